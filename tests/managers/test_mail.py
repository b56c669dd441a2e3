"""E-mail: templates, from-addresses, send mail (a heavy call) and a record's e-mails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import anyio
import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

from .conftest import make_client

pytestmark = pytest.mark.anyio


@pytest.fixture
def lead_id(fake: FakeZohoCRM) -> str:
    return fake.add_records("Leads", [{"Last_Name": "Boyle", "First_Name": "Pat"}])[0]


async def test_templates_list_without_bodies_and_fetch_with_them(crm: zc.ZohoCRM) -> None:
    templates = await crm.mail.templates()
    assert {t.module.api_name for t in templates if t.module} == {"Leads", "Contacts"}
    assert all(t.content is None and t.subject for t in templates)
    [lead_template] = await crm.mail.templates("Leads")
    assert lead_template.module and lead_template.module.api_name == "Leads"
    full = await crm.mail.template(str(lead_template.id))
    assert full.content and "${Leads." in full.content
    assert isinstance(full.created_time, datetime)
    assert full.to_dict()["folder"]["name"] == "Public Templates"
    with pytest.raises(zc.EmptyResultError):
        await crm.mail.template("5725767000000999999")
    with pytest.raises(zc.InvalidArgumentError, match="module"):
        await crm.mail.templates("not a module")


async def test_inventory_templates_and_from_addresses(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    [quote] = await crm.mail.inventory_templates("Quotes", sort_by="name", sort_order="asc")
    assert quote.active is True and quote.content is None
    assert (await crm.mail.inventory_template(str(quote.id))).content
    assert await crm.mail.inventory_templates("Leads") == []  # a 204: none for this module
    addresses = await crm.mail.from_addresses()
    first = addresses[0]
    assert (first.email, first.type, first.default) == (fake.user_email, "primary", True)
    with pytest.raises(zc.InvalidArgumentError, match="sort_order"):
        await crm.mail.inventory_templates(sort_order="up")  # type: ignore[arg-type]


async def test_send_mail_with_a_body_and_read_it_back(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, lead_id: str
) -> None:
    leads = crm.records("Leads")
    sent = await leads.send_mail(
        lead_id,
        to=[("Pat Boyle", "pat@example.com"), "ops@example.com"],
        cc={"email": "cc@example.com"},
        from_address=fake.user_email,
        subject="Your contract",
        content="<p>Attached.</p>",
        attachments=[zc.FileUpload(b"terms", filename="terms.txt")],
    )
    assert sent.ok and sent.details["message_id"]
    [email] = [m async for m in leads.emails(lead_id)]
    assert email.message_id == sent.details["message_id"]
    assert email.subject == "Your contract" and email.content is None
    assert email.addresses == ["pat@example.com", "ops@example.com", "cc@example.com"]
    assert email.sender is not None and email.sender.email == fake.user_email
    assert email.has_attachment and email.attachments[0]["name"] == "terms.txt"  # type: ignore[index]
    full = await leads.email(lead_id, str(email.message_id))
    assert full.content == "<p>Attached.</p>"


async def test_a_template_fills_subject_and_body_with_the_records_fields(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, lead_id: str
) -> None:
    leads = crm.records("Leads")
    [template] = await crm.mail.templates("Leads")
    sent = await leads.send_mail(
        lead_id, to="pat@example.com", from_address=fake.user_email, template=template
    )
    full = await leads.email(lead_id, str(sent.details["message_id"]))
    assert full.subject == "Welcome, Pat" and full.content == "<p>Dear Boyle,</p>"


async def test_scheduled_mail_is_listed_as_scheduled(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, lead_id: str
) -> None:
    leads = crm.records("Leads")
    await leads.send_mail(
        lead_id, to="a@example.com", from_address=fake.user_email, subject="Now", content="x"
    )
    later = await leads.send_mail(
        lead_id,
        to="a@example.com",
        from_address=fake.user_email,
        subject="Later",
        content="y",
        scheduled_time=datetime.now(UTC) + timedelta(hours=2),
    )
    scheduled = [m.subject async for m in leads.emails(lead_id, type="scheduled_in_crm")]
    sent = [m.subject async for m in leads.emails(lead_id, type="sent_from_crm")]
    assert (scheduled, sent) == (["Later"], ["Now"])
    assert later.ok


async def test_a_records_emails_page_by_ten(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, lead_id: str
) -> None:
    leads = crm.records("Leads")
    for n in range(23):
        await leads.send_mail(
            lead_id, to="a@example.com", from_address=fake.user_email, subject=f"#{n}", content="x"
        )
    first = await leads.emails(lead_id)
    assert len(first.items) == 10 and first.info.more_records
    assert first.info.next_page_token == first.info.data["next_index"] == "11"
    subjects = [m.subject async for m in leads.emails(lead_id)]
    assert subjects == [f"#{n}" for n in reversed(range(23))]  # newest first, none twice
    assert [m.subject async for m in leads.emails(lead_id, max_records=12)] == subjects[:12]


async def test_bad_mail_arguments_name_the_argument(crm: zc.ZohoCRM, lead_id: str) -> None:
    leads = crm.records("Leads")
    good = {"from_address": "admin@example.com", "subject": "s", "content": "c"}
    with pytest.raises(zc.InvalidArgumentError, match=r"to\[1\] 'not-an-address'"):
        await leads.send_mail(lead_id, to=["a@example.com", "not-an-address"], **good)
    with pytest.raises(zc.InvalidArgumentError, match="subject= and content=, or template="):
        await leads.send_mail(lead_id, to="a@example.com", from_address="admin@example.com")
    with pytest.raises(zc.InvalidArgumentError, match="at least one recipient"):
        await leads.send_mail(lead_id, to=[], **good)
    with pytest.raises(zc.InvalidArgumentError, match=r"scheduled_time .* no time zone"):
        await leads.send_mail(lead_id, to="a@example.com", scheduled_time=datetime.now(), **good)
    with pytest.raises(zc.InvalidArgumentError, match="record id"):
        await leads.send_mail("Boyle", to="a@example.com", **good)
    with pytest.raises(zc.InvalidArgumentError, match="type must be one of"):
        leads.emails(lead_id, type="inbox")  # type: ignore[arg-type]


async def test_zoho_refuses_a_sender_the_user_may_not_use(crm: zc.ZohoCRM, lead_id: str) -> None:
    with pytest.raises(zc.APIError) as error:
        await crm.records("Leads").send_mail(
            lead_id, to="a@example.com", from_address="ceo@other.example", subject="s", content="c"
        )
    assert error.value.status_code == 400 and error.value.code == "INVALID_DATA"
    assert error.value.details["json_path"] == "$.data[0].from.email"


async def test_send_mail_is_a_heavy_call(fake: FakeZohoCRM, fast_retry: zc.RetryPolicy) -> None:
    fake.heavy_max_concurrency = 1  # Zoho answers 429 beyond its heavy sub-limit
    fake.latency = 0.05
    [lead] = fake.add_records("Leads", [{"Last_Name": "Heavy"}])
    async with await make_client(fake, fast_retry) as crm:
        crm.limiter.heavy.total_tokens = 1  # the client's sub-limit, as low as the fake's
        results = []

        async def send(n: int) -> None:
            results.append(
                await crm.records("Leads").send_mail(
                    lead,
                    to="a@example.com",
                    from_address=fake.user_email,
                    subject=f"{n}",
                    content="x",
                    max_retries=0,
                )
            )

        async with anyio.create_task_group() as group:
            for n in range(4):
                group.start_soon(send, n)
    assert len(results) == 4 and all(r.ok for r in results)
    assert fake.stats.throttled == 0  # never two at once: each took a heavy slot


async def test_mail_needs_v2_1_and_a_records_emails_v4(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy, lead_id: str
) -> None:
    for version, call in (
        ("v2", lambda crm: crm.mail.templates()),
        ("v2", lambda crm: crm.mail.from_addresses()),
        ("v3", lambda crm: crm.records("Leads").email(lead_id, "abc")),
    ):
        async with await make_client(fake, fast_retry, version) as crm:
            before = fake.stats.api_requests
            with pytest.raises(zc.InvalidArgumentError, match=f"this client uses {version}"):
                await call(crm)
            assert fake.stats.api_requests == before
    async with await make_client(fake, fast_retry, "v3") as crm:
        with pytest.raises(zc.InvalidArgumentError, match="v4 or later"):
            crm.records("Leads").emails(lead_id)
