import pytest
from django.urls import reverse

from messaging.models import Message
from messaging.services import message_send

SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def logged_in(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_pages_need_login(client):
    for name in ("inbox", "sent", "compose", "recipients"):
        response = client.get(reverse(f"messaging:{name}"))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_inbox_lists_unread_first_and_marks_them(logged_in, alice, bob, carol):
    old = message_send(sender=alice, recipient=bob, body="Old and read")
    Message.objects.filter(pk=old.pk).update(is_read=True)
    new = message_send(sender=carol, recipient=bob, body="Brand new")
    message_send(sender=bob, recipient=alice, body="Not in bob's inbox")
    response = logged_in(bob).get(reverse("messaging:inbox"))
    html = response.content.decode()
    assert html.index("Brand new") < html.index("Old and read")
    assert "Not in bob&#x27;s inbox" not in html
    assert html.count('<tr class="unread">') == 1
    assert reverse("messaging:read", args=[new.pk]) in html
    assert reverse("messaging:read", args=[old.pk]) not in html


def test_sent_box(logged_in, alice, bob):
    message_send(sender=alice, recipient=bob, body="From alice")
    message_send(sender=bob, recipient=alice, body="From bob")
    html = logged_in(alice).get(reverse("messaging:sent")).content.decode()
    assert "From alice" in html
    assert "From bob" not in html


def test_bodies_are_escaped_everywhere(logged_in, alice, bob):
    message = message_send(sender=alice, recipient=bob, body=SCRIPT)
    client = logged_in(bob)
    for url in (reverse("messaging:inbox"), reverse("messaging:thread", args=[message.pk])):
        html = client.get(url).content.decode()
        assert SCRIPT not in html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert SCRIPT not in logged_in(alice).get(reverse("messaging:sent")).content.decode()


def test_thread_shows_the_conversation_and_reads_it(logged_in, alice, bob):
    first = message_send(sender=alice, recipient=bob, body="Line one\nLine two")
    reply = message_send(sender=bob, recipient=alice, body="Answer")
    reply_in_thread = message_send(sender=alice, recipient=bob, body="Follow-up", parent=first)
    html = logged_in(bob).get(reverse("messaging:thread", args=[first.pk])).content.decode()
    assert "Line one<br>Line two" in html
    assert "Follow-up" in html
    assert "Answer" not in html  # another conversation
    assert Message.objects.filter(pk__in=[first.pk, reply_in_thread.pk], is_read=False).count() == 0
    assert not Message.objects.get(pk=reply.pk).is_read  # bob sent it: alice's to read


def test_thread_of_others_is_404(logged_in, alice, bob, carol):
    message = message_send(sender=alice, recipient=bob, body="Private")
    client = logged_in(carol)
    assert client.get(reverse("messaging:thread", args=[message.pk])).status_code == 404
    assert client.post(reverse("messaging:thread", args=[message.pk]), {"body": "hi"}).status_code == 404
    assert client.post(reverse("messaging:read", args=[message.pk])).status_code == 404
    assert Message.objects.count() == 1


def test_reply_from_the_thread(logged_in, alice, bob):
    first = message_send(sender=alice, recipient=bob, body="Question")
    response = logged_in(bob).post(reverse("messaging:thread", args=[first.pk]), {"body": "Answer"})
    reply = Message.objects.get(body="Answer")
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:thread", args=[reply.pk])
    assert (reply.sender, reply.recipient, reply.parent, reply.thread) == (bob, alice, first, first)


def test_empty_reply_is_refused_with_the_reason(logged_in, alice, bob):
    first = message_send(sender=alice, recipient=bob, body="Question")
    response = logged_in(bob).post(reverse("messaging:thread", args=[first.pk]), {"body": "   "})
    assert response.status_code == 400
    assert "The message is empty." in response.content.decode()
    assert Message.objects.count() == 1


def test_compose_sends_and_redirects_to_the_thread(logged_in, alice, bob):
    response = logged_in(alice).post(reverse("messaging:compose"), {"recipient": "bob", "body": "Hello"})
    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:thread", args=[message.pk])
    assert (message.sender, message.recipient) == (alice, bob)


def test_compose_refuses_unknown_or_inactive_recipients(logged_in, alice, make_user):
    make_user("gone", is_active=False)
    client = logged_in(alice)
    for username in ("gone", "nobody"):
        response = client.post(reverse("messaging:compose"), {"recipient": username, "body": "Hello"})
        assert response.status_code == 400
        assert f"No active user named &#x27;{username}&#x27;." in response.content.decode()
    assert not Message.objects.exists()


def test_compose_works_without_javascript(logged_in, alice):
    html = logged_in(alice).get(reverse("messaging:compose") + "?to=bob").content.decode()
    assert 'name="recipient"' in html
    assert 'value="bob"' in html
    assert 'list="recipient-suggestions"' in html
    assert "<script>" not in html  # no inline scripts (CSP)


def test_compose_about_a_visible_context(logged_in, alice, bob, cohort_context):
    cohort_context[4] = {alice.pk}
    client = logged_in(alice)
    html = client.get(reverse("messaging:compose") + "?context_type=cohort&context_id=4").content.decode()
    assert '<a href="/cohorts/4/">Cohort #4</a>' in html
    client.post(
        reverse("messaging:compose"),
        {"recipient": "bob", "body": "See", "context_type": "cohort", "context_id": 4},
    )
    message = Message.objects.get()
    assert (message.context_type, message.context_id) == ("cohort", 4)
    # bob may not see cohort 4: no link, and no hint of one.
    html = logged_in(bob).get(reverse("messaging:thread", args=[message.pk])).content.decode()
    assert "/cohorts/4/" not in html
    assert "About:" not in html


def test_compose_drops_and_refuses_an_invisible_context(logged_in, alice, bob, cohort_context):
    cohort_context[4] = {bob.pk}
    client = logged_in(alice)
    html = client.get(reverse("messaging:compose") + "?context_type=cohort&context_id=4").content.decode()
    assert "/cohorts/4/" not in html
    response = client.post(
        reverse("messaging:compose"),
        {"recipient": "bob", "body": "See", "context_type": "cohort", "context_id": 4},
    )
    assert response.status_code == 400
    assert "No cohort 4 that you may see." in response.content.decode()


def test_compose_is_rate_limited_with_the_api(logged_in, api_as, alice, bob, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"messages": "2/min"}}
    assert api_as(alice).post("/api/messages/", {"recipient": "bob", "body": "1"}).status_code == 201
    client = logged_in(alice)
    assert client.post(reverse("messaging:compose"), {"recipient": "bob", "body": "2"}).status_code == 302
    response = client.post(reverse("messaging:compose"), {"recipient": "bob", "body": "3"})
    assert response.status_code == 429
    assert "Too many messages sent (the limit is 2/min)." in response.content.decode()
    assert Message.objects.count() == 2


def test_mark_read_from_the_inbox(logged_in, alice, bob):
    message = message_send(sender=alice, recipient=bob, body="Hello")
    client = logged_in(bob)
    assert client.get(reverse("messaging:read", args=[message.pk])).status_code == 405
    response = client.post(reverse("messaging:read", args=[message.pk]))
    assert response.status_code == 302
    assert Message.objects.get().is_read
    # Only the recipient marks a message read.
    other = message_send(sender=bob, recipient=alice, body="Back")
    assert client.post(reverse("messaging:read", args=[other.pk])).status_code == 404


def test_recipient_suggestions_are_active_users_only(logged_in, alice, make_user):
    make_user("bobby")
    make_user("bob")
    make_user("bogus", is_active=False)
    make_user("carol")
    client = logged_in(alice)
    assert client.get(reverse("messaging:recipients") + "?q=BO").json() == {"results": ["bob", "bobby"]}
    assert client.get(reverse("messaging:recipients") + "?q=al").json() == {"results": []}  # not yourself
    assert client.get(reverse("messaging:recipients")).json() == {"results": []}


def test_navigation_badge_counts_unread(logged_in, alice, bob, carol):
    message_send(sender=alice, recipient=bob, body="one")
    message_send(sender=carol, recipient=bob, body="two")
    html = logged_in(bob).get(reverse("messaging:sent")).content.decode()
    assert '<span class="badge" data-unread-badge>2</span>' in html
    assert 'src="/static/js/live.js"' in html
    html = logged_in(alice).get(reverse("messaging:sent")).content.decode()
    assert '<span class="badge" data-unread-badge hidden>0</span>' in html


def test_anonymous_pages_load_no_live_script(client, db):
    html = client.get(reverse("accounts:login")).content.decode()
    assert "live.js" not in html
    assert "data-unread-badge" not in html
