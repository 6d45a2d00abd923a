"""Demo content for `make run`. Apps append their loaders to ``LOADERS``; each is
called with the demo users by username."""

from django.contrib.auth import get_user_model

PASSWORD = "biostat-demo-2026"  # noqa: S105 - printed at startup, local demo only

USERS = [
    ("alice", "researcher", False),
    ("bob", "researcher", False),
    ("sam", "steward", False),
    ("admin", "admin", True),
]

LOADERS = []


def create_users():
    User = get_user_model()  # noqa: N806
    users = {}
    for username, role, is_staff in USERS:
        users[username] = User.objects.create_user(
            username=username,
            email=f"{username}@example.org",
            password=PASSWORD,
            role=role,
            is_staff=is_staff,
            is_superuser=is_staff,
        )
    return users
