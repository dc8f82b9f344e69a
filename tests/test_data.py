"""autocore.utils.data: datasets, splits and the DataLoader's batching, shuffling and collation."""

import numpy as np
import pytest

import autocore
from autocore.utils.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split

from conftest import DEVICES


def make_dataset(n=10):
    return TensorDataset(autocore.arange(n).float().unsqueeze(1) * 10, autocore.arange(n))


def test_tensor_dataset_indexing_and_length():
    ds = make_dataset()
    assert len(ds) == 10
    x, y = ds[3]
    assert x.tolist() == [30.0] and y.item() == 3
    with pytest.raises(AssertionError, match="Size mismatch"):
        TensorDataset(autocore.zeros(3), autocore.zeros(4))


@pytest.mark.parametrize(
    "batch_size,drop_last,expected", [(4, False, [4, 4, 2]), (4, True, [4, 4]), (10, False, [10]), (1, False, [1] * 10)]
)
def test_batches_cover_the_data_in_order(batch_size, drop_last, expected):
    loader = DataLoader(make_dataset(), batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert [len(b[1]) for b in batches] == expected and len(loader) == len(expected)
    labels = np.concatenate([b[1].numpy() for b in batches])
    np.testing.assert_array_equal(labels, np.arange(len(labels)))
    for x, y in batches:
        np.testing.assert_array_equal(x.numpy()[:, 0], y.numpy() * 10)  # fields stay aligned


def test_shuffling_is_a_reproducible_permutation():
    def epoch(seed):
        autocore.manual_seed(seed)
        return np.concatenate([y.numpy() for _, y in DataLoader(make_dataset(50), batch_size=8, shuffle=True)])

    first, again, other = epoch(1), epoch(1), epoch(2)
    assert sorted(first.tolist()) == list(range(50))
    np.testing.assert_array_equal(first, again)
    assert (first != other).any() and (first != np.arange(50)).any()
    g = autocore.Generator()
    g.manual_seed(7)
    a = [y.tolist() for _, y in DataLoader(make_dataset(), batch_size=5, shuffle=True, generator=g)]
    g.manual_seed(7)
    b = [y.tolist() for _, y in DataLoader(make_dataset(), batch_size=5, shuffle=True, generator=g)]
    assert a == b


@pytest.mark.parametrize("device", DEVICES)
def test_batches_stay_on_the_datasets_device_and_shuffle_as_on_the_cpu(device):
    def epoch(place):
        autocore.manual_seed(3)
        data = TensorDataset(*(t.to(place) for t in make_dataset(20).tensors))
        batches = list(DataLoader(data, batch_size=6, shuffle=True))
        assert all(x.device == place and y.device == place for x, y in batches)
        return [(x.cpu().numpy(), y.cpu().numpy()) for x, y in batches]

    for (x, y), (cx, cy) in zip(epoch(device), epoch("cpu")):
        np.testing.assert_array_equal(x, cx)
        np.testing.assert_array_equal(y, cy)


def test_generic_datasets_are_collated():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": autocore.tensor([float(i), float(i * i)]), "label": i}

    batch = next(iter(DataLoader(Squares(), batch_size=3)))
    assert batch["x"].shape == (3, 2) and batch["label"].tolist() == [0, 1, 2]
    custom = next(iter(DataLoader(Squares(), batch_size=2, collate_fn=lambda samples: len(samples))))
    assert custom == 2
    assert default_collate([(1, 2.0), (3, 4.0)])[1].tolist() == [2.0, 4.0]
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(Squares(), batch_size=0)


def test_random_split_and_subset():
    ds = make_dataset(10)
    autocore.manual_seed(3)
    train, test = random_split(ds, [7, 3])
    assert len(train) == 7 and len(test) == 3
    labels = sorted([train[i][1].item() for i in range(7)] + [test[i][1].item() for i in range(3)])
    assert labels == list(range(10))
    assert [len(s) for s in random_split(ds, [0.5, 0.3, 0.2])] == [5, 3, 2]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [5, 6])
    sub = Subset(ds, [9, 2])
    assert len(sub) == 2 and sub[0][1].item() == 9
