import datetime
import os

import pytest
import time_machine

from tests.accounts.factories import InstructorFactory, StaffFactory, UserFactory
from tests.requirements import missing_requirement_summary, require_path


@pytest.fixture
def learner(db):
    return UserFactory()


@pytest.fixture
def instructor(db):
    return InstructorFactory()


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def instructor_client(client, instructor):
    """An instructor with TOTP enrolled, as the platform requires for the role."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(instructor, generate_totp_secret())
    client.force_login(instructor)
    return client


@pytest.fixture
def staff_member(db):
    return StaffFactory()


@pytest.fixture
def staff_client(client, staff_member):
    """A staff member with TOTP enrolled, as the platform requires for the role."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(staff_member, generate_totp_secret())
    client.force_login(staff_member)
    return client


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser_context(live_server, settings):
    """A Playwright context in Debian's headless Chromium, against the live test server."""
    import os

    from django.db import connections
    from playwright.sync_api import sync_playwright

    require_path("/usr/bin/chromium", package="chromium")

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make between page actions are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.ALLOWED_HOSTS = ["*"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context()
        context.set_default_timeout(15_000)
        yield context
        # Queries made while Playwright runs use a connection of their own (Playwright switches
        # the context Django keys connections on); closing it here, still inside that context,
        # lets PostgreSQL drop the test database at the end of the run.
        connections.close_all()
        browser.close()


@pytest.fixture
def browser_page(browser_context):
    return browser_context.new_page()


def browser_sign_in(context, *, user, live_server) -> None:
    """Give the browser the session of a logged-in test client, skipping the login form."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])


# --- model simulator (devtools.model_simulator) ------------------------------------------------


@pytest.fixture(scope="session")
def model_simulator_server():
    """One simulator per test session, on a free loopback port, behaving like a model on the
    shipped demo tasks (a test's own tasks get generated answers)."""
    from django.conf import settings

    from devtools.model_simulator import ModelSimulator

    simulator = ModelSimulator(host="127.0.0.1", port=0, content_dir=settings.CONTENT_DIR).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def model_simulator(model_simulator_server, settings):
    """The model API for this test: settings point at the simulator, retries back off in
    milliseconds, and the script, request log and added replies start empty.

    Yields a `SimulatorControl`: `script(...)`, `requests()`, `bodies()`, `reset()`,
    `configure(latency=..., judge_mode=...)`, `add_replies(...)`.
    """
    settings.XAI_BASE_URL = model_simulator_server.base_url
    settings.XAI_TIMEOUT_SECONDS = 10.0
    settings.XAI_BACKOFF_BASE_SECONDS = 0.01
    settings.XAI_BACKOFF_MAX_SECONDS = 0.05
    settings.XAI_RETRY_AFTER_MAX_SECONDS = 5.0
    control = model_simulator_server.control()
    control.reset()
    yield control
    control.reset()
    control.close()


@pytest.fixture(autouse=True)
def _english_to_start_with():
    # LocaleMiddleware activates the request's language for the rest of the thread; a test
    # browsing in Japanese must not leave the next test's services speaking Japanese.
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


def pytest_configure(config):
    """`CERTIFY_TEST_CLOCK_DAYS=N` runs the suite with the clock N days later (ticking), as
    `make test-later` does: a test that pins a date which then has passed fails today instead
    of on that day. Processes the tests start keep the real clock."""
    days = os.environ.get("CERTIFY_TEST_CLOCK_DAYS")
    if days:
        later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=int(days))
        time_machine.travel(later, tick=True).start()


def pytest_sessionstart(session):
    # `make test` compiles the catalogs first; a bare `pytest` gets the same up-to-date UI strings.
    from config.translations import catalogs_compile

    catalogs_compile()


def pytest_terminal_summary(terminalreporter):
    missing_requirement_summary(terminalreporter)
