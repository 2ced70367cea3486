"""Template context every page gets."""

from django.conf import settings


def site_footer(request):
    """The footer's government-site elements (主办单位, 承办单位, contact, ICP备案号), from settings."""
    return {
        "site_footer": {
            "owner": settings.SITE_OWNER,
            "operator": settings.SITE_OPERATOR,
            "contact": settings.SITE_CONTACT,
            "icp": settings.SITE_ICP,
        }
    }
