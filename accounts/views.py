from django.http import HttpResponse


def lockout(request, credentials, *args, **kwargs):
    return HttpResponse("Too many failed login attempts. Try again later.", status=429)
