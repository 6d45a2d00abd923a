from django.urls import reverse

from messaging.services import message_send


def test_admin_lists_and_shows_messages_read_only(client, alice, bob, make_user):
    admin = make_user("admin", is_staff=True, is_superuser=True)
    message = message_send(sender=alice, recipient=bob, body="<b>Hello</b>")
    client.force_login(admin)
    changelist = client.get(reverse("admin:messaging_message_changelist") + "?q=alice")
    assert changelist.status_code == 200
    assert reverse("admin:messaging_message_change", args=[message.pk]) in changelist.content.decode()
    page = client.get(reverse("admin:messaging_message_change", args=[message.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "&lt;b&gt;Hello&lt;/b&gt;" in html
    assert 'name="body"' not in html  # shown, not editable
    assert client.get(reverse("admin:messaging_message_add")).status_code == 403
