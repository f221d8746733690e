"""The LSH bands of a MinHash signature, as integers a store can index.

Light on purpose (no datasketch): the store computes the band keys of every signature it
stores, and commands that only read must not load the MinHash library.
"""

from __future__ import annotations

import hashlib

__all__ = ["BANDS", "ROWS", "band_key", "band_keys"]

#: Bands and rows per band of datasketch's ``MinHashLSH`` at our threshold (0.5) and 128
#: permutations; ``dedupe.lsh_bands`` computes them and a test checks they agree.
BANDS = 25
ROWS = 5
_BAND_BYTES = ROWS * 8  # a signature is little-endian uint64 hash values


def band_key(signature: bytes, band: int) -> int:
    """A signed 64-bit key of one band: two signatures share it when they share that band's
    hash values (as datasketch's buckets do; a 64-bit digest collision only adds a candidate,
    which the Jaccard check then refuses)."""
    piece = signature[band * _BAND_BYTES : (band + 1) * _BAND_BYTES]
    digest = hashlib.blake2b(piece, digest_size=8, person=band.to_bytes(16, "little"))
    return int.from_bytes(digest.digest(), "little", signed=True)


def band_keys(signature: bytes) -> list[int]:
    """The key of every band of ``signature``, in band order."""
    return [band_key(signature, band) for band in range(BANDS)]
