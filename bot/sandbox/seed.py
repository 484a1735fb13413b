"""What the sandbox starts with: a Datadog organisation in the middle of a deploy, and an alert in #incident-api.

Realistic on purpose, so each of the bot's answers has something to show: on `env:prod,service:api`
a downtime created through v1 and one through v2 (which Datadog's own cancel-by-scope misses), one
scheduled for later, and near misses on wider and narrower scopes; a recurring one through each API; a
protected scope (`service:payments`); monitors alerting under the downtimes; and Datadog's alert
message, whose monitor link the "What's muting this?" shortcut reads.
"""

from __future__ import annotations

from bot.sandbox.org import Organisation
from bot.sandbox.workspace import Workspace

HOUR = 3600
API_LATENCY, CHECKOUT_ERRORS, DB_DISK, PAYMENTS_QUEUE = 12345, 23456, 34567, 45678
INCIDENT_CHANNEL = "C0INCIDENT"
SITE_UI = "https://app.datadoghq.com"  # the bot's default site, whose links it reads


def seed_datadog(org: Organisation) -> None:
    """The organisation's monitors and downtimes (times from now: an active one started an hour ago)."""
    org.add_monitor("High p99 latency on api", "Alert", groups=[["env:prod", "service:api"]], monitor_id=API_LATENCY)
    org.add_monitor("Checkout error rate", "Warn", groups=[["env:prod", "service:checkout"]],
                    monitor_id=CHECKOUT_ERRORS)
    org.add_monitor("Disk usage on db hosts", "OK", groups=[["env:prod", "role:db"]], monitor_id=DB_DISK)
    org.add_monitor("Payments queue depth", "Alert", groups=[["env:prod", "service:payments"]],
                    monitor_id=PAYMENTS_QUEUE)

    org.add_v1(["env:prod", "service:api"], message="Deploy 2026.12.1: api rollout", duration=3 * HOUR)
    org.add_v2("env:prod AND service:api", message="Canary for the api v2 cluster", duration=5 * HOUR)
    org.add_v2("env:prod AND service:api", message="Database failover rehearsal", start_in=2 * HOUR,
               duration=HOUR)
    org.add_v1(["env:prod", "service:api", "region:eu-west-1"], message="EU load balancer swap",
               duration=2 * HOUR)
    org.add_v2("env:prod", message="Quarterly disaster-recovery test", start_in=48 * HOUR, duration=4 * HOUR)
    org.add_v2("env:staging AND service:api", message="Nightly load test", rrule="FREQ=DAILY;INTERVAL=1",
               duration=6 * HOUR)
    org.add_v1(["env:staging"], message="Staging freeze for the release", duration=24 * HOUR)
    org.add_v1(["env:prod", "service:checkout"], message="Checkout schema migration", monitor_id=CHECKOUT_ERRORS,
               duration=2 * HOUR)
    org.add_v2("env:prod AND service:payments", message="Payments provider maintenance", monitor_id=PAYMENTS_QUEUE,
               duration=4 * HOUR)
    org.add_v2("env:prod AND role:db", message="Disk resize", start_in=6 * HOUR, duration=2 * HOUR)
    org.add_v1(["env:prod", "service:search"], message="Weekly index rebuild", rrule="FREQ=WEEKLY;BYDAY=SA",
               start_in=20 * HOUR, duration=3 * HOUR)


def seed_slack(workspace: Workspace) -> None:
    """Datadog's alert in #incident-api, as its Slack app posts one: a title linking the monitor, and its scope."""
    link = f"{SITE_UI}/monitors/{API_LATENCY}?group=env%3Aprod%2Cservice%3Aapi"
    text = (f"*<{link}|[Triggered] High p99 latency on api>*\n"
            "p99 latency 2.4 s > 1.5 s on env:prod,service:api. Notified @slack-incident-api")
    workspace.post(INCIDENT_CHANNEL, "datadog", text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}])
