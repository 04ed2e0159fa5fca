"""The one seed derivation: sample seeds from ``master_seed`` by hashing."""

from __future__ import annotations

import hashlib

__all__ = ["derive_seed", "sample_seeds"]


def derive_seed(master_seed: int, *parts: object) -> int:
    """A 63-bit seed from ``master_seed`` and labels (iteration, agent, sample...).

    Hashing (not ``master_seed + i``) keeps streams independent and stable across executors.
    """
    text = "/".join([str(master_seed), *(str(p) for p in parts)])
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def sample_seeds(
    master_seed: int, iteration: int | str, agent: str, num_samples: int, start: int = 0
) -> list[int]:
    """Seeds of one evaluation: (iteration, agent, sample) for samples ``start`` up to
    ``num_samples`` (so a seed list grows by asking for more). A candidate and its incumbent share
    them (common random numbers); ``agent`` is ``"*"`` for the incumbent profile's evaluation."""
    # derive_seed(master_seed, iteration, agent, i) for each i, hashing the shared prefix once
    prefix = hashlib.blake2b(
        "/".join([str(master_seed), str(iteration), str(agent), ""]).encode(), digest_size=8
    )
    seeds = []
    for i in range(start, num_samples):
        digest = prefix.copy()
        digest.update(str(i).encode())
        seeds.append(int.from_bytes(digest.digest(), "big") >> 1)
    return seeds
