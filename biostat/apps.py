from django.apps import AppConfig


class BiostatConfig(AppConfig):
    name = "biostat"
    verbose_name = "Biostat"
