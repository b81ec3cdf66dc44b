"""The security rules: CSRF, same origin, headers (CSP), host check, accounts beyond 127.0.0.1, rate limits,
upload size, and no patient identifier in the server's log."""

from __future__ import annotations

import base64
import logging
import re

import pytest

from regen.store.accounts import add_user
from regen.web.settings import ServeRefused, check_bind, is_loopback


def test_a_form_without_its_csrf_token_is_refused(client, new_treatment):
    assert client.post("/treatments", data={"nerve": "SLGN"}).status_code == 403
    assert client.post("/treatments", data={"nerve": "SLGN", "csrf_token": "forged"}).status_code == 403
    for path in (
        "/treatments/1/contacts",
        "/files/upload",
        "/files/import",
        "/models/fit",
        "/models/1/activate",
        "/patients/search",
        "/login",
        "/logout",
    ):
        assert client.post(path, data={"x": "1"}).status_code == 403, path
    assert 'href="/patients/' not in client.get("/patients").text


def test_a_token_of_another_session_is_refused(make_client, helpers):
    first, second = make_client(), make_client()
    stolen = helpers.token(first)
    assert second.post("/treatments", data={"nerve": "SLGN", "csrf_token": stolen}).status_code == 403


def test_a_cross_site_origin_is_refused(client, helpers):
    data = {"nerve": "SLGN", "csrf_token": helpers.token(client)}
    assert client.post("/treatments", data=data, headers={"origin": "https://evil.example"}).status_code == 403
    assert (
        client.post(
            "/treatments", data=data, headers={"origin": "http://127.0.0.1"}, follow_redirects=False
        ).status_code
        == 303
    )


@pytest.mark.parametrize(
    "path", ["/worklist", "/treatments/new", "/api/openapi.json", "/static/style.css", "/treatments/999"]
)
def test_every_response_has_the_strict_headers(client, path):
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"  # no-referrer would make browsers send Origin: null


def test_pages_make_no_external_request_and_have_no_inline_script(client, new_treatment):
    location = new_treatment(client).headers["location"]
    for path in ("/worklist", "/treatments/new", location, "/files", "/models", "/api", "/patients"):
        text = client.get(path).text
        assert not re.search(r"""(src|href|action)=["'](https?:)?//""", text), path
        assert "<script" not in text and " style=" not in text and "<style" not in text, path


def test_pages_with_patient_data_are_not_cached(client):
    assert client.get("/worklist").headers["cache-control"] == "no-store"


def test_the_swagger_pages_that_load_a_cdn_are_off(client):
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404


def test_another_host_header_is_refused_in_local_mode(client):
    assert client.get("/worklist", headers={"host": "attacker.example"}).status_code == 400


def test_the_session_cookie_is_httponly_and_strict(client):
    cookie = client.get("/treatments/new").headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()


def test_binding_beyond_loopback_needs_accounts_and_https():
    check_bind("127.0.0.1", 0, tls=False, behind_proxy=False)
    check_bind("::1", 0, tls=False, behind_proxy=False)
    check_bind("localhost", 0, tls=False, behind_proxy=False)
    with pytest.raises(ServeRefused, match="no user accounts"):
        check_bind("0.0.0.0", 0, tls=True, behind_proxy=False)
    with pytest.raises(ServeRefused, match="plain HTTP"):
        check_bind("0.0.0.0", 2, tls=False, behind_proxy=False)
    check_bind("0.0.0.0", 2, tls=True, behind_proxy=False)
    check_bind("192.168.1.5", 1, tls=False, behind_proxy=True)
    assert is_loopback("127.0.0.2") and not is_loopback("0.0.0.0") and not is_loopback("::")


def test_regen_serve_on_0000_without_accounts_refuses_to_start(cli, tmp_path):
    result = cli("serve", "--host", "0.0.0.0", "--db", tmp_path / "x.db")
    assert result.exit_code == 1
    assert "refusing to listen on 0.0.0.0" in result.output and "regen users add" in result.output


@pytest.fixture
def accounts_client(make_client, tmp_path):
    """A client of a server that requires accounts (one account: anna)."""
    from regen.store import open_store

    db = str(tmp_path / "accounts.db")
    store = open_store(db)
    with store.write() as conn:
        add_user(conn, "anna", "correct horse battery", "test")
    store.dispose()
    return make_client(
        database=db, accounts=True, secure_cookies=True, allowed_hosts=["*"], base_url="https://clinic.example"
    )


def _login(client, helpers, password: str, name: str = "anna"):
    token = helpers.token(client, "/login")
    return client.post(
        "/login", data={"csrf_token": token, "username": name, "password": password}, follow_redirects=False
    )


def test_with_accounts_every_page_and_the_api_need_a_sign_in(accounts_client):
    for path in ("/worklist", "/treatments/new", "/patients", "/files", "/models", "/treatments/1"):
        response = accounts_client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login", path
    assert accounts_client.get("/api/v1/worklist").status_code == 401


def test_signing_in_gives_a_secure_session(accounts_client, helpers):
    assert _login(accounts_client, helpers, "wrong password!").status_code == 401
    signed = _login(accounts_client, helpers, "correct horse battery")
    assert signed.status_code == 303
    cookie = signed.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie
    page = accounts_client.get("/worklist")
    assert page.status_code == 200 and "anna" in page.text
    assert page.headers["strict-transport-security"].startswith("max-age=")
    token = helpers.token(accounts_client, "/worklist")
    accounts_client.post("/logout", data={"csrf_token": token})
    assert accounts_client.get("/worklist", follow_redirects=False).status_code == 303


def test_sign_in_is_rate_limited(accounts_client, helpers):
    for _ in range(5):
        assert _login(accounts_client, helpers, "guess guess guess").status_code == 401
    limited = _login(accounts_client, helpers, "correct horse battery")  # even the right password, for now
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


def test_the_api_takes_basic_credentials_or_a_session_with_its_token(accounts_client, helpers):
    good = base64.b64encode(b"anna:correct horse battery").decode()
    bad = base64.b64encode(b"anna:nope nope nope").decode()
    assert accounts_client.get("/api/v1/worklist", headers={"authorization": f"Basic {good}"}).status_code == 200
    assert accounts_client.get("/api/v1/worklist", headers={"authorization": f"Basic {bad}"}).status_code == 401
    _login(accounts_client, helpers, "correct horse battery")
    body = {"nerve": "GON"}
    assert accounts_client.post("/api/v1/predict", json=body).status_code == 403  # no X-CSRF-Token
    token = helpers.token(accounts_client, "/worklist")
    assert accounts_client.post("/api/v1/predict", json=body, headers={"x-csrf-token": token}).status_code == 200


def test_uploads_over_the_limit_are_refused(make_client, helpers):
    small = make_client(max_upload_bytes=10_000)
    data = {"csrf_token": helpers.token(small)}
    files = {"file": ("big.csv", b"nerve\n" + b"SLGN\n" * 5000, "text/csv")}
    response = small.post("/files/upload", data=data, files=files)
    assert response.status_code == 413 and "limit" in response.text


def test_no_patient_identifier_reaches_the_log(client, new_treatment, helpers, caplog):
    secret = "MRN-SECRET-4711"
    with caplog.at_level(logging.DEBUG):
        location = new_treatment(client, patient_id=secret).headers["location"]
        client.get(location)
        client.post("/patients/search", data={"csrf_token": helpers.token(client), "q": secret})
        client.get(f"/patients/{secret}")  # typed into the address bar: a 422, logged by its route only
        client.get(f"/worklist?q={secret}")
        headers = {"x-csrf-token": helpers.token(client)}
        client.post("/api/v1/predict", json={"nerve": "kneecap", "patient_id": secret}, headers=headers)
        new_treatment(client, patient_id=secret, nerve="SLGN", age="abc")
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))  # the client's own
    assert "GET /treatments/{treatment_id} 200" in text  # the access log is there
    assert secret not in text


def test_local_mode_api_writes_with_a_session_cookie_need_the_token(client, helpers):
    """F24: with the session cookie of the pages, a JSON write needs X-CSRF-Token (local mode too)."""
    body = {"nerve": "SLGN", "patient_id": "CSRF-1"}
    token = helpers.token(client)  # the client now holds the session cookie
    assert client.post("/api/v1/treatments", json=body).status_code == 403
    assert client.post("/api/v1/treatments", json=body, headers={"x-csrf-token": "forged"}).status_code == 403
    assert client.post("/api/v1/predict", json={"nerve": "SLGN"}).status_code == 403
    assert client.get("/api/v1/worklist").status_code == 200  # reads need no token
    assert client.post("/api/v1/treatments", json=body, headers={"x-csrf-token": token}).status_code == 201
    client.cookies.clear()  # a script without the cookie: no token to send
    assert client.post("/api/v1/treatments", json=body).status_code == 201


def test_text_with_control_characters_or_invalid_utf8_is_refused_naming_the_field(client, helpers):
    """F5: a lone surrogate in JSON, NUL or bytes that are not UTF-8 in a form: 422 naming the field, nothing stored."""
    token = helpers.token(client)
    headers = {"content-type": "application/json", "x-csrf-token": token}
    for body in (
        b'{"nerve": "SLGN", "patient_id": "A\\ud800B"}',
        b'{"nerve": "SLGN", "patient_id": "A\\u0000B"}',
        b'{"nerve": "SL\\u0007GN"}',
    ):
        response = client.post("/api/v1/treatments", content=body, headers=headers)
        assert response.status_code == 422, body
        field = "nerve" if b"SL\\u0007" in body else "patient_id"
        assert field in response.json()["fields"] and field in response.json()["fields"][field]
    predicted = client.post("/api/v1/predict", content=b'{"nerve": "SLGN", "sex": "f\\udfffemale"}', headers=headers)
    assert predicted.status_code == 422 and "sex" in predicted.json()["fields"]
    form = {"content-type": "application/x-www-form-urlencoded"}
    for raw in (b"patient_id=A%ED%A0%80B%FF%00C", b"patient_id=A%00B", b"patient_id=A%FFB"):
        body = b"csrf_token=" + token.encode() + b"&nerve=SLGN&age=64&" + raw
        response = client.post("/treatments", content=body, headers=form)
        assert response.status_code == 422 and "patient_id" in response.text, raw
    search = client.post("/patients/search", content=b"csrf_token=" + token.encode() + b"&q=P%00", headers=form)
    assert search.status_code == 422 and "q:" in search.text
    assert client.get("/api/v1/worklist").json()["treatments"] == 0  # nothing stored
    created = client.post(
        "/api/v1/treatments",
        json={"nerve": "SLGN", "patient_id": "OK-1", "treated_on": helpers.days_ago(30)},
        headers=headers,
    )
    assert created.status_code == 201
    url = created.json()["url"]
    contact = {"csrf_token": token, "contacted_on": helpers.days_ago(1), "relieved": "yes", "note": "a\x00b"}
    assert client.post(f"{url}/contacts", data=contact).status_code == 422
    contact["note"] = "two\nlines"  # a note may hold a line break
    assert client.post(f"{url}/contacts", data=contact, follow_redirects=False).status_code == 303
    note = {"contacted_on": helpers.days_ago(1), "relieved": True, "note": "x\x1by"}
    api = client.post(f"/api/v1/treatments/{created.json()['treatment_id']}/contacts", json=note, headers=headers)
    assert api.status_code == 422 and "note" in api.json()["fields"]
