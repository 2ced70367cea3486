from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = _("Item catalogue")

    def ready(self):
        from . import cache

        cache.connect_signals()  # every catalogue write bumps the catalogue version
        # Data migrations write through historical models (no signals), and a deploy runs `migrate`
        # with new templates and serializers: answers stored by the old code must not be replayed.
        post_migrate.connect(cache.bump_after_migrate, sender=self, dispatch_uid="catalogue-cache-migrate")
