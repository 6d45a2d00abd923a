from django.conf import settings


def site(request):
    return {"allow_registration": settings.BIOSTAT_ALLOW_REGISTRATION}
