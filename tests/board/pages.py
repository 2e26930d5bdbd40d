"""The board's admin pages as the tests reach them: the case page's URL, a post on it, a browser log-in."""

from django.urls import reverse

PASSWORD = "pass-word-123"


def case_url(case, view="vote"):
    return reverse(f"admin:applications_boardcase_{view}", args=[case.pk])


def post_case(client, user, case, data, view="vote", status=200):
    """``user`` posts ``data`` on the case page; the page they land on, as text. An action the
    user's role may not take answers ``status=403``, the permission-denied page with the reason."""
    client.force_login(user)
    response = client.post(case_url(case, view), data, follow=True)
    assert response.status_code == status
    return response.content.decode()


def post_case_refused(client, user, case, data, view="vote"):
    """``user`` posts an action they may not take: the permission-denied page, as text."""
    return post_case(client, user, case, data, view, status=403)


def browser_login(page, live_server, user):
    """Log ``user`` in to the admin in the browser, after forgetting whoever was logged in."""
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
