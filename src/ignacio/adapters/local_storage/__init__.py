"""Blob storage on the local disk, for the embedded set: files under one root folder."""

from ignacio.adapters.local_storage.files import LocalFileStorage
from ignacio.adapters.local_storage.health import LocalStorageProbe

__all__ = ["LocalFileStorage", "LocalStorageProbe"]
