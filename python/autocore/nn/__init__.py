"""autocore.nn: Module, Parameter, layers, losses, functional and init, as torch.nn."""

from . import functional, init
from .module import Module
from .modules.activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .modules.batchnorm import BatchNorm1d
from .modules.container import ModuleDict, ModuleList, Sequential
from .modules.dropout import Dropout
from .modules.linear import Flatten, Identity, Linear
from .modules.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .parameter import Parameter

__all__ = [
    "Module",
    "Parameter",
    "Linear",
    "Identity",
    "Flatten",
    "ReLU",
    "LeakyReLU",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "LogSoftmax",
    "GELU",
    "BatchNorm1d",
    "Dropout",
    "Sequential",
    "ModuleList",
    "ModuleDict",
    "MSELoss",
    "L1Loss",
    "NLLLoss",
    "CrossEntropyLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "functional",
    "init",
]
