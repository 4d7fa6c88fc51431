"""The browser terminal's WebSocket with the local backend (a real shell in a PTY).

Through tutor/asgi.py as served (Origin check, session cookie, the consumer,
the session in this process, the host channel layer): who may connect, what
each message may do, reconnecting, taking over, watching, idle stop, limits
and the session log.
"""

from __future__ import annotations

import asyncio
import os

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group, User
from django.test import Client

from tests.workspaces.terminal_helpers import Tab, run
from workspaces.models import TerminalKeystrokes, TerminalSession, TerminalWatch

# Transactional: the sessions reach the database from other threads, as in the server
# (pytest-django runs these after the tests that share one transaction).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def instructors():
    # A transactional test starts from empty tables: the group of the migration is gone.
    group, _ = Group.objects.get_or_create(name="instructors")
    return group


@pytest.fixture
def carol(django_user_model, instructors):
    user = django_user_model.objects.create_user("carol", password="correct-horse-3")
    user.groups.add(instructors)
    return user


@pytest.fixture
def local_mode(settings):
    settings.TUTOR_MODE = "local"
    settings.TUTOR_TERMINAL = True
    settings.TUTOR_TERMINAL_CONNECTS_PER_MINUTE = 100


def session_cookie(client, user: User) -> str:
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.fixture
def alice_cookie(client, alice, local_mode):
    return session_cookie(client, alice)


def test_it_refuses_a_connection_without_a_session(local_mode):
    async def body():
        tab = Tab(None)
        connected, _code = await tab.connect()
        assert connected is False

    run(body)


def test_it_refuses_a_foreign_origin_even_with_a_session(alice_cookie):
    async def body():
        for origin in ("https://evil.example", None):
            tab = Tab(alice_cookie, origin=origin)
            connected, _ = await tab.connect()
            assert connected is False, origin

    run(body)
    assert TerminalSession.objects.count() == 0


def test_a_shell_runs_and_a_reload_finds_its_scrollback(alice_cookie, alice):
    async def body():
        tab = Tab(alice_cookie)
        assert (await tab.connect())[0]
        attached = await tab.wait_event("attached")
        assert attached["role"] == "student" and attached["recording"] is False
        await tab.wait_event("running")
        assert (await tab.run_command("echo $((6*7))")).strip() == "42"
        assert (await tab.run_command("stty size")).strip() == "30 120"
        env = await tab.run_command("env")
        assert "TUTOR_SECRET_KEY" not in env and "DJANGO_SETTINGS_MODULE" not in env
        assert "KUBECONFIG=" in env
        await tab.close()

        # A reload: a new connection gets the same shell, and its scrollback first.
        again = Tab(alice_cookie)
        assert (await again.connect())[0]
        await again.wait_event("attached")
        await again.wait_output(r"42\r\n")
        assert (await again.run_command("echo still-here")).strip() == "still-here"
        await again.close()

    run(body)
    [row] = TerminalSession.objects.filter(user=alice)
    assert row.backend == "local" and row.ended_at is not None  # ended with the test
    assert row.bytes_in > 0 and row.bytes_out > 0


def test_a_second_tab_takes_the_terminal_over(alice_cookie):
    async def body():
        first = Tab(alice_cookie)
        await first.connect()
        await first.wait_event("running")
        second = Tab(alice_cookie)
        await second.connect()
        await second.wait_event("attached")
        await first.wait_event("taken-over")
        assert await first.wait_closed() == 4000
        assert (await second.run_command("echo second")).strip() == "second"

    run(body)
    assert TerminalSession.objects.count() == 1


def test_every_message_checks_that_the_user_is_still_signed_in(client, alice, local_mode):
    cookie = session_cookie(client, alice)

    async def body():
        tab = Tab(cookie)
        await tab.connect()
        await tab.wait_event("running")
        await sync_to_async(client.logout)()  # in another tab
        await asyncio.sleep(1.1)  # past the one-second memo
        await tab.type("echo should-not-run\n")
        event = await tab.wait_event("unavailable")
        assert "signed out" in event["message"]
        assert await tab.wait_closed() == 4001
        assert "should-not-run" not in tab.output

    run(body)


def test_a_password_change_ends_the_typing_too(client, alice, local_mode):
    cookie = session_cookie(client, alice)

    async def body():
        tab = Tab(cookie)
        await tab.connect()
        await tab.wait_event("running")

        def change() -> None:
            alice.set_password("another-horse-9")
            alice.save()

        await sync_to_async(change)()
        await asyncio.sleep(1.1)
        await tab.type("echo nope\n")
        assert (await tab.wait_event("unavailable"))["code"] == 4001

    run(body)


def test_the_local_backend_is_refused_to_a_browser_on_another_machine(alice_cookie):
    async def body():
        tab = Tab(alice_cookie, client="192.0.2.10")
        assert (await tab.connect())[0]
        event = await tab.wait_event("unavailable")
        assert "only in a browser on that machine" in event["message"]
        assert await tab.wait_closed() == 4003

    run(body)
    assert TerminalSession.objects.count() == 0


def test_a_forwarded_address_counts_only_behind_a_trusted_proxy(alice_cookie, settings):
    settings.TUTOR_TRUSTED_PROXY_COUNT = 1

    async def body():
        tab = Tab(alice_cookie)
        tab.ws.scope["headers"].append((b"x-forwarded-for", b"198.51.100.7"))
        await tab.connect()
        assert "only in a browser" in (await tab.wait_event("unavailable"))["message"]

    run(body)


def test_the_local_backend_is_refused_in_classroom_mode(client, alice, settings):
    from workspaces.terminal import backends

    settings.TUTOR_MODE = "classroom"
    with pytest.raises(backends.Unavailable) as refused:
        backends.backend_for(user_id=alice.pk, client_address="127.0.0.1")
    # Classroom mode never gives a local shell: the student's toolbox, once provisioned.
    assert refused.value.retry is True


def test_the_terminal_can_be_turned_off(alice_cookie, settings):
    settings.TUTOR_TERMINAL = False

    async def body():
        tab = Tab(alice_cookie)
        await tab.connect()
        assert "turned off" in (await tab.wait_event("unavailable"))["message"]

    run(body)


def test_connections_are_rate_limited(alice_cookie, settings):
    settings.TUTOR_TERMINAL_CONNECTS_PER_MINUTE = 2

    async def body():
        for _ in range(2):
            tab = Tab(alice_cookie)
            await tab.connect()
            await tab.wait_event("attached")
            await tab.close()
        tab = Tab(alice_cookie)
        await tab.connect()
        event = await tab.wait_event("unavailable")
        assert event["code"] == 4029 and "Too many" in event["message"]

    run(body)


def test_input_beyond_the_rate_is_dropped_and_said(alice_cookie, settings):
    settings.TUTOR_TERMINAL_INPUT_BURST_BYTES = 1000
    settings.TUTOR_TERMINAL_INPUT_BYTES_PER_SECOND = 10

    async def body():
        tab = Tab(alice_cookie)
        await tab.connect()
        await tab.wait_event("running")
        await tab.type("#" + "x" * 2000)
        await tab.wait_event("input-dropped")

    run(body)


def test_output_is_slowed_to_its_rate(alice_cookie, settings):
    settings.TUTOR_TERMINAL_OUTPUT_BYTES_PER_SECOND = 20_000

    async def body():
        tab = Tab(alice_cookie)
        await tab.connect()
        await tab.wait_event("running")
        loop = asyncio.get_running_loop()
        started = loop.time()
        await tab.type("head -c 60000 /dev/zero | tr '\\0' 'y'; echo; echo done-$((1+1))\n")
        await tab.wait_output(r"done-2", timeout=30)
        # 60 kB at 20 kB/s (one second of burst): about two seconds, not instantly.
        assert loop.time() - started > 1.5

    run(body)


def test_idle_sessions_are_warned_then_stopped(alice_cookie, alice, settings):
    settings.TUTOR_TERMINAL_IDLE_SECONDS = 4
    settings.TUTOR_TERMINAL_IDLE_WARNING_SECONDS = 2

    async def body():
        tab = Tab(alice_cookie)
        await tab.connect()
        await tab.wait_event("running")
        warning = await tab.wait_event("idle-warning", timeout=10)
        assert 0 < warning["seconds"] <= 2
        ended = await tab.wait_event("ended", timeout=10)
        assert "without typing" in ended["message"]

    run(body)
    row = TerminalSession.objects.get(user=alice)
    assert row.end_reason == "idle"


def test_a_session_has_a_maximum_length(alice_cookie, alice, settings):
    settings.TUTOR_TERMINAL_MAX_SECONDS = 2

    async def body():
        tab = Tab(alice_cookie)
        await tab.connect()
        await tab.wait_event("running")
        for _ in range(4):  # busy typing does not extend it
            await tab.type("true\n")
            await asyncio.sleep(0.5)
        assert "maximum length" in (await tab.wait_event("ended", timeout=10))["message"]

    run(body)
    assert TerminalSession.objects.get(user=alice).end_reason == "max length"


def test_exit_ends_the_session_and_a_new_one_can_start(alice_cookie, alice):
    async def body():
        tab = Tab(alice_cookie)
        await tab.connect()
        await tab.wait_event("running")
        await tab.type("exit\n")
        assert "ended" in (await tab.wait_event("ended"))["message"]
        again = Tab(alice_cookie)
        await again.connect()
        await again.wait_event("running")

    run(body)
    assert TerminalSession.objects.filter(user=alice).count() == 2
    assert TerminalSession.objects.filter(user=alice, ended_at__isnull=True).count() == 0


def test_keystrokes_are_not_recorded_unless_the_operator_says_so(client, alice, bob, settings):
    settings.TUTOR_MODE = "local"
    settings.TUTOR_TERMINAL_CONNECTS_PER_MINUTE = 100
    alice_cookie = session_cookie(client, alice)
    bob_cookie = session_cookie(Client(), bob)

    async def body():
        tab = Tab(alice_cookie)
        await tab.connect()
        assert (await tab.wait_event("attached"))["recording"] is False
        await tab.wait_event("running")
        await tab.run_command("echo secret-one")

    run(body)
    settings.TUTOR_TERMINAL_RECORD = True

    async def recorded():
        tab = Tab(bob_cookie)
        await tab.connect()
        assert (await tab.wait_event("attached"))["recording"] is True
        await tab.wait_event("running")
        await tab.run_command("echo secret-two")

    run(recorded)
    assert not TerminalKeystrokes.objects.filter(session__user=alice).exists()
    typed = "".join(
        TerminalKeystrokes.objects.filter(session__user=bob).values_list("data", flat=True)
    )
    assert "echo secret-two" in typed
    assert TerminalSession.objects.get(user=bob).recorded is True
    # And the page says so, before anything is typed.
    client.force_login(bob)
    assert (
        "everything typed in this terminal is recorded" in client.get("/terminal/").content.decode()
    )


@pytest.fixture
def carol_in_class(carol, alice):
    from classes.models import Cohort, Membership

    cohort = Cohort.objects.create(name="Terminal class", join_code="TERM-2345")
    cohort.instructors.add(carol)
    Membership.objects.create(cohort=cohort, user=alice)
    return cohort


def test_an_instructor_watches_read_only_and_the_student_is_told(
    client, alice, carol, carol_in_class, local_mode
):
    alice_cookie = session_cookie(client, alice)
    page = client.get(f"/instructor/classes/{carol_in_class.pk}/students/{alice.pk}/terminal/")
    assert page.status_code == 403  # alice is no instructor
    client = Client()
    carol_cookie = session_cookie(client, carol)
    page = client.get(f"/instructor/classes/{carol_in_class.pk}/students/{alice.pk}/terminal/")
    assert page.status_code == 200
    html = page.content.decode()
    url = html.split('data-terminal-url="')[1].split('"')[0]
    assert "data-terminal " in html or "data-terminal\n" in html or " data-terminal" in html

    async def body():
        student = Tab(alice_cookie)
        await student.connect()
        await student.wait_event("running")
        await student.run_command("echo before-watching")
        watcher = Tab(carol_cookie, path=url)
        assert (await watcher.connect())[0]
        attached = await watcher.wait_event("attached")
        assert attached["role"] == "watcher"
        await watcher.wait_output("before-watching")  # the scrollback
        told = await student.wait_event("watchers")
        assert told["names"] == ["carol"]
        await student.run_command("echo live-$((2*21))")
        await watcher.wait_output("live-42")
        # What a watcher types goes nowhere.
        await watcher.type("echo from-the-watcher\n")
        await asyncio.sleep(0.5)
        await student.run_command("true")
        assert "from-the-watcher" not in student.output
        await watcher.close()
        assert (await student.wait_event("watchers"))["names"] == []

    run(body)
    [watch] = TerminalWatch.objects.all()
    assert watch.watcher == carol and watch.ended_at is not None


def test_a_watch_ticket_is_for_its_instructor_only(
    client, alice, bob, carol, carol_in_class, local_mode, instructors
):
    from workspaces.terminal.consumer import watch_ticket

    instructors.user_set.add(bob)
    bob_cookie = session_cookie(client, bob)
    ticket = watch_ticket(watcher=carol, student=alice)

    async def body():
        tab = Tab(bob_cookie, path=f"/ws/terminal/watch/{ticket}/")
        await tab.connect()
        assert "may not watch" in (await tab.wait_event("unavailable"))["message"]

    run(body)


def test_an_instructor_of_another_class_cannot_open_the_watch_page(
    client, alice, bob, carol_in_class, instructors
):
    instructors.user_set.add(bob)
    client.force_login(bob)
    response = client.get(f"/instructor/classes/{carol_in_class.pk}/students/{alice.pk}/terminal/")
    assert response.status_code == 404


def test_a_session_whose_process_is_gone_is_replaced(alice_cookie, alice):
    from django.utils import timezone

    # A row left by a process that died: no heartbeat for a minute.
    TerminalSession.objects.create(
        user=alice,
        backend="local",
        owner_channel="terminal.p1abcdef!gone",
        heartbeat_at=timezone.now() - timezone.timedelta(minutes=1),
    )

    async def body():
        tab = Tab(alice_cookie)
        await tab.connect()
        await tab.wait_event("running")

    run(body)
    old, _new = TerminalSession.objects.filter(user=alice).order_by("started_at")
    assert old.end_reason.startswith("lost")


def test_the_shell_does_not_get_the_tutors_environment(alice_cookie, monkeypatch):
    monkeypatch.setenv("TUTOR_SECRET_KEY", "do-not-leak-me")

    async def body():
        tab = Tab(alice_cookie)
        await tab.connect()
        await tab.wait_event("running")
        assert "do-not-leak-me" not in await tab.run_command("env")
        kubeconfig = await tab.run_command('echo "$KUBECONFIG"')
        assert kubeconfig.strip().split(os.pathsep)[0].endswith("lab.kubeconfig")

    run(body)


def test_sessions_reach_their_tabs_through_redis_too(alice_cookie, settings, redis_url):
    """With REDIS_URL (several web processes, several hosts) the layer is channels-redis,
    configured as tutor/settings.py configures it."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": redis_url, "socket_timeout": 15}],
                "prefix": f"test-{os.getpid()}:",
            },
        }
    }

    async def body():
        from channels.layers import get_channel_layer

        assert type(get_channel_layer()).__name__ == "RedisChannelLayer"
        tab = Tab(alice_cookie)
        await tab.connect()
        await tab.wait_event("running")
        assert (await tab.run_command("echo via-$((1+1))-redis")).strip() == "via-2-redis"
        await tab.close()
        again = Tab(alice_cookie)
        await again.connect()
        await again.wait_event("attached")
        await again.wait_output("via-2-redis")

    run(body)


def test_a_session_of_a_process_that_just_died_is_given_up_at_once(alice_cookie, alice):
    from django.utils import timezone

    # Its heartbeat is still fresh, but nothing listens on its channel any more.
    TerminalSession.objects.create(
        user=alice,
        backend="local",
        owner_channel="specific.p1zzzzzz!gone",
        heartbeat_at=timezone.now(),
    )

    async def body():
        tab = Tab(alice_cookie)
        await tab.connect()
        event = await tab.wait_event("unavailable", timeout=10)
        assert event["code"] == 4025  # the page reconnects by itself
        again = Tab(alice_cookie)
        await again.connect()
        await again.wait_event("running")

    run(body)
    old, _ = TerminalSession.objects.filter(user=alice).order_by("started_at")
    assert old.end_reason.startswith("lost")
