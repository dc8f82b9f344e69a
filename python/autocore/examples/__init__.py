"""Training examples on the bundled data: autograd_basics, titanic, automobile, digits.
Run one with `python -m autocore.examples.NAME --help`."""
