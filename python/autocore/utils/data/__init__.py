"""autocore.utils.data: Dataset, TensorDataset, Subset, random_split and DataLoader, as torch.utils.data."""

from .dataloader import DataLoader, default_collate
from .dataset import Dataset, Subset, TensorDataset, random_split

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "DataLoader", "default_collate"]
