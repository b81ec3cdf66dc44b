"""The JSON API: predict, create a treatment, record a contact, read it back, the worklist; OpenAPI."""

from __future__ import annotations

from datetime import date, timedelta

import regen


def _ago(n: int) -> str:
    return (date.today() - timedelta(days=n)).isoformat()


def test_predict_returns_the_librarys_row(client):
    body = {"nerve": "SLGN", "age": 64, "treated_on": "2026-03-14", "relief_at_day": 100}
    response = client.post("/api/v1/predict", json=body)
    assert response.status_code == 200
    got = response.json()
    expected = regen.predict_patient(None, **body)
    for key in (
        "relief_end_median_day",
        "relief_end_p10_day",
        "relief_end_p90_day",
        "evidence",
        "model_version",
        "review_date",
        "retreatment_due_date",
    ):
        assert got[key] == expected[key], key
    assert got["disclaimer"].startswith("Decision support, not a medical device")


def test_predict_refusals_name_the_column(client):
    response = client.post("/api/v1/predict", json={"nerve": "SLGN", "age": 200, "bmi": "x"})
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert fields["age"].startswith("200 is outside the accepted range") and fields["bmi"] == "x is not a number"
    unknown = client.post("/api/v1/predict", json={"nerve": "SLGN", "name": "Jane"})
    assert unknown.status_code == 422 and "name" in unknown.json()["fields"]


def test_writes_must_be_json(client):
    response = client.post("/api/v1/predict", content='{"nerve": "GON"}', headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert client.post("/api/v1/predict", data={"nerve": "GON"}).status_code == 415


def test_create_contact_read_and_worklist(client):
    created = client.post(
        "/api/v1/treatments", json={"patient_id": "API-1", "nerve": "GON", "age": 45, "treated_on": _ago(120)}
    )
    assert created.status_code == 201
    body = created.json()
    tid, forecast = body["treatment_id"], body["forecast"]
    assert body["cycle"] == 1 and body["nerve"] == "greater_occipital" and body["url"] == f"/treatments/{tid}"
    assert forecast["relief_end_p10_day"] <= forecast["relief_end_median_day"] <= forecast["relief_end_p90_day"]
    assert forecast["model_version"].startswith("regen-default@") and forecast["evidence"]
    expected = regen.predict_patient(None, nerve="GON", age=45, treated_on=_ago(120))
    plan = {k: expected[k] for k in ("next_action", "next_contact_date", "retreatment_due_date")}
    assert {k: forecast["plan"][k] for k in plan} == plan == {k: forecast[k] for k in plan}
    worklist = client.get("/api/v1/worklist").json()
    assert [e["treatment_id"] for e in worklist["overdue"]] == [tid]
    entry = worklist["overdue"][0]
    assert entry["clinic_id"] == "API-1" and 0 <= entry["p_relief_today"] <= 1
    assert entry["relief_end_p10_day"] <= entry["relief_end_median_day"]
    contact = client.post(f"/api/v1/treatments/{tid}/contacts", json={"contacted_on": _ago(1), "relieved": True})
    assert contact.status_code == 201
    assert contact.json()["forecast"]["follow_up"].startswith("still relieved on day 119")
    assert client.get("/api/v1/worklist").json()["overdue"] == []
    read = client.get(f"/api/v1/treatments/{tid}").json()
    assert (
        read["contacts"][0]["relieved"] is True
        and read["forecast"]["forecast_id"] == contact.json()["forecast"]["forecast_id"]
    )


def test_worklist_on_another_day(client):
    client.post("/api/v1/treatments", json={"nerve": "GON", "treated_on": _ago(5)})
    early = client.get("/api/v1/worklist", params={"today": _ago(5)}).json()
    assert early["overdue"] == [] and early["today"] == _ago(5)


def test_contact_refusals(client):
    tid = client.post("/api/v1/treatments", json={"nerve": "GON", "treated_on": _ago(50)}).json()["treatment_id"]
    future = client.post(f"/api/v1/treatments/{tid}/contacts", json={"contacted_on": "2999-01-01", "relieved": True})
    assert future.status_code == 422 and "future" in future.json()["fields"]["contacted_on"]
    client.post(f"/api/v1/treatments/{tid}/contacts", json={"contacted_on": _ago(2), "relieved": True})
    conflict = client.post(
        f"/api/v1/treatments/{tid}/contacts",
        json={"contacted_on": _ago(1), "relieved": False, "pain_back_on": _ago(20)},
    )
    assert conflict.status_code == 422
    assert "relieved_at_last_contact: yes, but relief_lost_on is not after last_contact_on" in conflict.json()["error"]
    assert client.post("/api/v1/treatments/999/contacts", json={"contacted_on": _ago(1)}).status_code == 404


def test_create_refusals_keep_the_database_unchanged(client):
    response = client.post("/api/v1/treatments", json={"nerve": "kneecap"})
    assert response.status_code == 422 and "unknown nerve" in response.json()["fields"]["nerve"]
    assert client.get("/api/v1/worklist").json()["treatments"] == 0


def test_the_openapi_schema_lists_the_routes(client):
    schema = client.get("/api/openapi.json").json()
    assert set(schema["paths"]) == {
        "/api/v1/predict",
        "/api/v1/treatments",
        "/api/v1/treatments/{treatment_id}",
        "/api/v1/treatments/{treatment_id}/contacts",
        "/api/v1/worklist",
    }
    assert "not a medical device" in schema["info"]["description"]
    page = client.get("/api").text
    assert "/api/v1/worklist" in page and "Record a contact" in page


def test_the_worklist_planned_from_the_cache_is_the_one_planned_afresh(client):
    from regen.web import services

    made = [
        client.post("/api/v1/treatments", json={"nerve": n, "treated_on": _ago(d)}).json()["treatment_id"]
        for n, d in (("GON", 200), ("SLGN", 150), ("intercostal", 300), ("GON", 10))
    ]
    client.get("/api/v1/worklist")  # planned once: cached by forecast
    client.post(f"/api/v1/treatments/{made[0]}/contacts", json={"contacted_on": _ago(1), "relieved": True})
    client.post(f"/api/v1/treatments/{made[1]}/contacts", json={"contacted_on": _ago(2), "relieved": False})
    warm = client.get("/api/v1/worklist").json()
    services._BY_DAY.clear()
    cold = client.get("/api/v1/worklist").json()
    assert warm == cold and len(warm["overdue"]) + len(warm["this_week"]) >= 2
    assert {e["treatment_id"]: e["action"] for e in warm["this_week"] + warm["overdue"]}.get(made[1]) == (
        "book retreatment"
    )
