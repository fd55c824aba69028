import pytest
from django.urls import reverse

from govhall.notify.models import Notification
from govhall.notify.services import notification_send
from govhall.notify.tests.factories import user_create

PHONE = "13800138000"


@pytest.fixture
def alice(db):
    return user_create(phone="13900139000", name="张小明")


@pytest.fixture
def messages(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = notification_send(
            event="case.accepted", text="您的办件已受理", users=[alice], phone=PHONE, case_number="B2026000042"
        )[0]
        second = notification_send(event="case.done", text="已办结，请到3号窗口取件", users=[alice])[0]
    return first, second


def test_login_required(client, db):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_inbox_lists_own_messages_with_case_number(client, alice, messages):
    other = user_create()
    notification_send(event="case.accepted", text="别人的消息", users=[other])
    client.force_login(alice)
    response = client.get("/notifications/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "我的消息" in html and "未读 2 条" in html
    assert "您的办件已受理" in html and "B2026000042" in html and "已办结，请到3号窗口取件" in html
    assert "别人的消息" not in html
    assert html.index("已办结") < html.index("您的办件已受理")  # newest first


def test_mark_read_by_form_and_by_htmx(client, alice, messages):
    first, second = messages
    client.force_login(alice)
    response = client.post(reverse("notify:read", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("notify:inbox")
    first.refresh_from_db()
    assert first.read_at is not None

    response = client.post(reverse("notify:read", args=[second.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith(f'<li id="message-{second.pk}"') and "已读" in fragment
    assert "标为已读" not in fragment
    assert "没有未读消息" in client.get("/notifications/").content.decode()


def test_another_user_can_neither_see_nor_mark(client, messages):
    first, _ = messages
    client.force_login(user_create())
    assert "您的办件已受理" not in client.get("/notifications/").content.decode()
    assert client.post(reverse("notify:read", args=[first.pk])).status_code == 404
    first.refresh_from_db()
    assert first.read_at is None


def test_read_all_and_methods(client, alice, messages):
    client.force_login(alice)
    assert client.get(reverse("notify:read", args=[messages[0].pk])).status_code == 405
    assert client.get(reverse("notify:read_all")).status_code == 405
    assert client.post(reverse("notify:read_all")).status_code == 302
    assert not Notification.objects.filter(recipient=alice, channel="site", read_at__isnull=True).exists()


def test_empty_inbox(client, db):
    client.force_login(user_create())
    assert "暂时没有消息" in client.get("/notifications/").content.decode()


def test_admin_list_masks_phones_and_is_read_only(admin_client, messages):
    response = admin_client.get("/admin/notify/notification/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "138****8000" in html and PHONE not in html
    sms = Notification.objects.get(channel="sms", phone=PHONE)
    detail = admin_client.get(f"/admin/notify/notification/{sms.pk}/change/").content.decode()
    assert "138****8000" in detail and PHONE not in detail
    assert admin_client.get("/admin/notify/notification/add/").status_code == 403
    assert admin_client.post(f"/admin/notify/notification/{sms.pk}/delete/").status_code == 403


def test_header_shows_the_unread_count(client, demo):
    from conftest import login
    from django.db import transaction

    from govhall.accounts.models import User
    from govhall.notify.services import notification_send

    citizen = User.objects.get(username="citizen")
    with transaction.atomic():
        notification_send(event="case.accepted", text="您的办件已受理", users=[citizen])
    login(client, "citizen")
    page = client.get("/").content.decode()
    assert "1条未读" in page
    login(client, "citizen2")
    assert "条未读" not in client.get("/").content.decode()
