"""Security headers Django 5.2 does not set itself."""

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        # No inline scripts anywhere: every page script is a static file.
        "script-src 'self'",
        # Swagger UI sets style attributes from its own script; styles cannot run code.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self' ws: wss:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def security_headers(get_response):
    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response

    return middleware
