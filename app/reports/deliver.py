"""Sending a report: an email with the table and the full result attached, and a short Slack summary."""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import smtplib
import zoneinfo
from email.message import EmailMessage

import requests

from .config import Mail, Report
from .data import Table, html_table, text_table


class DeliveryError(Exception):
    """A destination refused or could not be reached; the message names which and why, never a secret."""


def local(report: Report, moment: dt.datetime) -> dt.datetime:
    """Return a moment in the report's own time zone."""
    return moment.astimezone(zoneinfo.ZoneInfo(report.timezone))


def subject(report: Report, table: Table, slot: dt.datetime) -> str:
    """Fill the report's subject template (the date is the slot's, in the report's time zone)."""
    return report.email.subject.format(
        title=report.title, report=report.name, date=local(report, slot).date().isoformat(), rows=len(table.rows)
    )


def _when(report: Report, moment: dt.datetime) -> str:
    at = local(report, moment)
    return f"{at:%A} {at.day} {at:%B %Y, %H:%M} {at.tzname()}"


def build_email(report: Report, table: Table, slot: dt.datetime, mail: Mail, ran_at: dt.datetime) -> EmailMessage:
    """Compose the email: the first rows as a labelled table (HTML and text), the count, local run time, link, file."""
    if table.render_of:
        return _rendered_email(report, table, slot, mail, ran_at)
    shown = table.cells[: report.rows_in_message]
    more = len(table.rows) - len(shown)
    summary = f"{len(table.rows)} rows, run {_when(report, ran_at)}."
    message = _addressed(report, table, slot, mail, ran_at)
    tail = f"and {more} more rows in the attachment ({table.filename})." if more > 0 else ""
    text = [report.title, summary, "", text_table(table.columns, shown), ""]
    text += [tail or f"The full result is attached ({table.filename})."]
    text += [f"Open in Looker: {table.link}"] if table.link else []
    message.set_content("\n".join(text) + "\n")
    link = f"<p><a href='{html.escape(table.link)}'>Open in Looker</a></p>" if table.link else ""
    message.add_alternative(
        f"<html><body style='font-family:sans-serif'><h2>{html.escape(report.title)}</h2>"
        f"<p>{html.escape(summary)}</p>{html_table(table.columns, shown)}"
        + (f"<p>{html.escape(tail)}</p>" if tail else "")
        + link
        + "</body></html>",
        subtype="html",
    )
    maintype, subtype = table.content_type.split("/", 1)
    message.add_attachment(table.attachment, maintype=maintype, subtype=subtype, filename=table.filename)
    return message


def _rendered_email(report: Report, table: Table, slot: dt.datetime, mail: Mail, ran_at: dt.datetime) -> EmailMessage:
    """Compose the email of a rendered report: what the attached file shows, when, and the file."""
    when = _when(report, ran_at)
    link = f"<p><a href='{html.escape(table.link)}'>Open in Looker</a></p>" if table.link else ""
    message = _addressed(report, table, slot, mail, ran_at)
    message.set_content(f"{report.title}\n{table.render_of}, rendered at {when}, is attached ({table.filename}).\n")
    message.add_alternative(
        f"<html><body><h2>{html.escape(report.title, False)}</h2><p>{html.escape(table.render_of, False)}, "
        f"rendered at {when}, is attached ({html.escape(table.filename)}).</p>{link}</body></html>",
        subtype="html",
    )
    maintype, subtype = table.content_type.split("/", 1)
    message.add_attachment(table.attachment, maintype=maintype, subtype=subtype, filename=table.filename)
    return message


def send_email(message: EmailMessage, mail: Mail, timeout: float = 30) -> None:
    """Send over SMTP (STARTTLS and login when configured)."""
    if not mail.host:
        raise DeliveryError("SMTP_HOST is not set")
    try:
        with smtplib.SMTP(mail.host, mail.port, timeout=timeout) as smtp:
            if mail.starttls:
                smtp.starttls()
            if mail.username:
                smtp.login(mail.username, mail.password.reveal())
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP {mail.host}:{mail.port} failed: {type(exc).__name__}") from None


def slack_payload(report: Report, table: Table, slot: dt.datetime) -> dict:
    """Return a short summary with the first rows, in Slack's incoming-webhook format."""
    shown = table.cells[: min(report.rows_in_message, 10)]
    day = local(report, slot).date().isoformat()
    text = f"*{report.title}* ({day}): {len(table.rows)} rows"
    if table.render_of:
        text = f"*{report.title}* ({day}): {table.render_of}, sent by email as {table.filename}"
    if table.link:
        text += f" <{table.link}|open in Looker>"
    if table.render_of:  # Slack gets the link; the file goes by email
        return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "```" + text_table(table.columns, shown) + "```"}},
        ],
    }


def send_slack(url: str, payload: dict, timeout: float = 15) -> None:
    """Post to a Slack incoming webhook."""
    try:
        reply = requests.post(url, json=payload, timeout=timeout)
    except requests.RequestException as exc:
        raise DeliveryError(f"Slack could not be reached: {type(exc).__name__}") from None
    if reply.status_code >= 300:
        raise DeliveryError(f"Slack answered {reply.status_code}")


def _addressed(report: Report, table: Table, slot: dt.datetime, mail: Mail, ran_at: dt.datetime) -> EmailMessage:
    """Start a report's email with its headers: subject, sender, recipients, date, id and the slot it is for."""
    sender = mail.sender or "looker-proxy@localhost"
    message = EmailMessage()
    message["Subject"] = subject(report, table, slot)
    message["From"] = sender
    message["To"] = ", ".join(report.email.to)
    message["Date"] = email.utils.format_datetime(ran_at.astimezone(dt.UTC))
    message["Message-ID"] = email.utils.make_msgid(report.name, domain=sender.rpartition("@")[2] or "localhost")
    message["X-Report-Slot"] = f"{report.name} {slot.isoformat()}"
    return message
