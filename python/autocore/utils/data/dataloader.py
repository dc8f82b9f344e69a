"""DataLoader: batches from a map-style dataset, optionally shuffled (reproducibly, from autocore's
generator), collated into tensors. A TensorDataset is batched with one index_select per tensor rather
than one __getitem__ per sample."""

import numpy as np

from ... import _C
from ...factories import from_numpy, tensor
from ...ops.shape import stack
from ...random import c_generator
from ...tensor import Tensor
from .dataset import TensorDataset


def default_collate(batch):
    """A list of samples -> one batch: tensors are stacked, numbers become a tensor, tuples and dicts are
    collated field by field."""
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(batch, 0)
    if isinstance(first, (int, float, bool, np.number)):
        return tensor(batch)
    if isinstance(first, np.ndarray):
        return tensor(np.stack(batch))
    if isinstance(first, dict):
        return {k: default_collate([b[k] for b in batch]) for k in first}
    if isinstance(first, (tuple, list)):
        return (
            type(first)(default_collate(list(field)) for field in zip(*batch))
            if isinstance(first, tuple)
            else [default_collate(list(field)) for field in zip(*batch)]
        )
    raise TypeError(f"default_collate: batch must contain tensors, numbers, dicts or lists; found {type(first)}")


class DataLoader:
    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None, collate_fn=None):
        if batch_size is None or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, batch_size, shuffle, drop_last
        self.generator, self.collate_fn = generator, collate_fn

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self):
        n = len(self.dataset)
        if self.shuffle:
            return _C.randperm(n, generator=c_generator(self.generator, "DataLoader")).numpy()
        return np.arange(n, dtype=np.int64)

    def __iter__(self):
        order = self._order()
        fast = isinstance(self.dataset, TensorDataset) and self.collate_fn is None
        for start in range(0, len(order), self.batch_size):
            indices = order[start : start + self.batch_size]
            if len(indices) < self.batch_size and self.drop_last:
                return
            if fast:
                index = from_numpy(np.ascontiguousarray(indices))
                yield tuple(t.index_select(0, index.to(t.device)) for t in self.dataset.tensors)
            else:
                samples = [self.dataset[int(i)] for i in indices]
                yield (self.collate_fn or default_collate)(samples)
