from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "datasets"

    def ready(self):
        from audit.selectors import register_owner_lookup
        from biostat import demo as biostat_demo

        from . import (
            blobstore,  # noqa: F401 - registers the blob store's health check
            demo,
        )
        from .models import Dataset

        register_owner_lookup("dataset", lambda user: Dataset.objects.filter(creator=user))
        if demo.load not in biostat_demo.LOADERS:
            biostat_demo.LOADERS.append(demo.load)
