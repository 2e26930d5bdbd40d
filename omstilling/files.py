"""Stored files (uploads, letters, report files) and the rows that point to them.

The files live in ``STORAGES["default"]``: the local disk or an S3-compatible object store
(settings.base.file_storage). Code reads, sizes and deletes them through the storage API only
(``field_file.open()``, ``storage.delete(name)``), never through a local path.
"""

import logging

from django.db import models, transaction
from django.db.models.signals import post_delete

logger = logging.getLogger(__name__)


def delete_stored(storage, name):
    """Delete ``name`` from ``storage``; a store that does not answer is logged, not raised: the row
    is gone already, and the person who deleted it should not see an error page for it."""

    def delete_stored_file():
        try:
            storage.delete(name)
        except Exception:
            logger.exception("Could not delete the stored file %s", name)

    return delete_stored_file


def delete_files_on_commit(sender, instance, **kwargs):
    """A row that is deleted takes its stored files with it, once the deletion is committed.

    Whichever door deleted it (a service, the admin, a cascade from its parent), no object is left
    in the store that no row points to; a rolled-back deletion keeps the file.
    """
    for field in sender._meta.concrete_fields:
        if isinstance(field, models.FileField):
            stored = getattr(instance, field.attname)
            if stored and stored.name:
                transaction.on_commit(delete_stored(stored.storage, stored.name))


def connect():
    """Listen to the deletions of the models that have a file, only those: a receiver for every
    model would cost every other model Django's fast (single-query) bulk and cascade deletes."""
    from django.apps import apps

    for model in apps.get_models():
        if any(isinstance(field, models.FileField) for field in model._meta.concrete_fields):
            post_delete.connect(
                delete_files_on_commit,
                sender=model,
                dispatch_uid=f"omstilling.files.delete_files_on_commit.{model._meta.label}",
            )
