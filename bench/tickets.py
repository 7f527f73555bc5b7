"""Benchmark the ticket list and ticket pages and the ticket API with 200,000 tickets, on SQLite and PostgreSQL.

    python -m bench.tickets [--rows 200000] [--database sqlite|postgres|both] [--database-url URL] [--runs 40]

Each database is fresh (a temporary SQLite file under bench/out/, or the PostgreSQL database
``kefu_bench_tickets`` created and dropped through BENCH_POSTGRES_URL, default
postgres://postgres@127.0.0.1:5432/test) and is filled in its own process with bulk inserts:
customers, orders with items, tickets spread over a year with their items, two timeline events,
one reply each and an SLA clock. Then each page and API call is requested through Django's test
client (the whole stack: middleware, session login or API token, templates, JSON), warmed up,
and timed; p50 and p95 per scenario are printed and written to bench/RESULTS.md. Target: p95 < 100 ms.
"""

import argparse
import datetime
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from bench.results import cpu_model, section_write

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
POSTGRES_DATABASE = "kefu_bench_tickets"
TARGET_MS = 100
BATCH = 5000


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- the child: fill one database and measure ----------------------------------------------------


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    os.environ.setdefault("KEFU_VAR_DIR", str(OUT / "var"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)


def _bulk(model, rows, label: str) -> None:
    started = time.monotonic()
    for start in range(0, len(rows), BATCH):
        model.objects.bulk_create(rows[start : start + BATCH], batch_size=BATCH)
        if start and start % (BATCH * 20) == 0:
            _say(f"  {label}: {start:,}/{len(rows):,}")
    _say(f"  {label}: {len(rows):,} in {time.monotonic() - started:.1f} s")


def fill(rows: int) -> dict:
    """Write `rows` tickets with the rows they bring along; return counts and the load time."""
    from django.utils import timezone

    from kefu.accounts.enums import Role
    from kefu.accounts.models import Team, TeamMembership, User
    from kefu.catalog.models import Category, Product
    from kefu.customers.models import Customer
    from kefu.orders.models import Order, OrderItem
    from kefu.tickets.enums import TicketEventAction, TicketPriority, TicketStatus, TicketType
    from kefu.tickets.models import (
        BusinessCalendar,
        SlaClock,
        SlaPolicy,
        SlaState,
        Ticket,
        TicketComment,
        TicketEvent,
    )

    started = time.monotonic()
    rng = random.Random(20261123)
    now = timezone.now()
    teams = [Team.objects.create(name=name) for name in ("售前组", "售后组", "投诉组", "大客户组")]
    # Sessions are forced in the client: no password hashing needed (it would take seconds per user).
    admin, supervisor, *agents = User.objects.bulk_create(
        [
            User(username="bench-admin", password="!", role=Role.ADMIN, is_superuser=True, is_staff=True),
            User(username="bench-supervisor", password="!", role=Role.SUPERVISOR),
            *[User(username=f"bench-agent-{i}", password="!", role=Role.AGENT, display_name=f"客服{i}") for i in range(24)],
        ]
    )
    TeamMembership.objects.bulk_create([TeamMembership(team=teams[i % len(teams)], user=agent) for i, agent in enumerate(agents)])
    team_agents = {team.pk: [a for i, a in enumerate(agents) if i % len(teams) == index] for index, team in enumerate(teams)}
    categories = [Category.objects.create(name=f"类目{i}") for i in range(8)]
    products = Product.objects.bulk_create(
        [Product(sku=f"B-{i:04d}", name=f"商品{i:04d}", price=Decimal("99.00"), category=categories[i % 8]) for i in range(200)]
    )
    customers = [Customer(name=f"客户{i}", phone=f"13{i:09d}") for i in range(max(rows // 10, 10))]
    _bulk(Customer, customers, "customers")
    orders = []
    for i in range(max(rows // 4, 10)):
        placed = now - datetime.timedelta(days=rng.uniform(1, 380))
        orders.append(
            Order(
                number=f"B{i:010d}", customer=customers[rng.randrange(len(customers))], status="delivered",
                total_amount=Decimal("199.00"), paid_amount=Decimal("199.00"), placed_at=placed, paid_at=placed,
                shipped_at=placed + datetime.timedelta(days=1), delivered_at=placed + datetime.timedelta(days=3), carrier="中通快递",
            )  # fmt: skip
        )
    _bulk(Order, orders, "orders")
    items = [OrderItem(order=o, product=products[i % 200], title=f"商品{i % 200:04d}", quantity=1, unit_price=Decimal("199.00")) for i, o in enumerate(orders)]
    _bulk(OrderItem, items, "order items")
    calendar = BusinessCalendar.objects.create(name="bench")
    policy = SlaPolicy.objects.create(name="bench", priority=TicketPriority.NORMAL, first_response_minutes=240, resolution_minutes=1440, calendar=calendar)

    types, statuses = list(TicketType.values), list(TicketStatus.values)
    tickets, sequence = [], {}
    created_times = sorted(now - datetime.timedelta(days=rng.uniform(0, 365)) for _ in range(rows))
    for created in created_times:
        index = rng.randrange(len(orders))
        order, item = orders[index], items[index]
        team = teams[rng.randrange(len(teams))]
        age_days = (now - created).days
        status = TicketStatus.CLOSED if age_days > 10 and rng.random() < 0.95 else statuses[rng.randrange(len(statuses))]
        day = "T" + timezone.localtime(created).strftime("%Y%m%d")
        sequence[day] = sequence.get(day, 0) + 1
        tickets.append(
            Ticket(
                number=f"{day}{sequence[day]:04d}", type=types[rng.randrange(len(types))], status=status,
                priority=rng.choice(["low", "normal", "normal", "normal", "high", "urgent"]), subject=f"工单 {len(tickets)} 快递破损需要退换",
                description="买家反映收到时外箱破损。", customer_id=order.customer_id, order=order, product_id=item.product_id,
                team=team, assignee=rng.choice(team_agents[team.pk]) if status != TicketStatus.NEW else None,
                created_at=created, updated_at=created, first_response_at=created + datetime.timedelta(hours=1),
            )  # fmt: skip
        )
    _bulk(Ticket, tickets, "tickets")
    through = Ticket.items.through
    item_of_order = {order.pk: item.pk for order, item in zip(orders, items, strict=True)}
    _bulk(through, [through(ticket_id=t.pk, orderitem_id=item_of_order[t.order_id]) for t in tickets], "ticket items")
    events = []
    for t in tickets:
        events.append(TicketEvent(ticket=t, action=TicketEventAction.CREATED, to_status="new", created_at=t.created_at))
        events.append(TicketEvent(ticket=t, actor=t.assignee, action=TicketEventAction.TRANSITIONED, from_status="new", to_status=t.status,
                                  created_at=t.created_at + datetime.timedelta(hours=2)))  # fmt: skip
    _bulk(TicketEvent, events, "ticket events")
    _bulk(TicketComment, [TicketComment(ticket=t, author=t.assignee, body="您好，已为您登记处理。", created_at=t.created_at + datetime.timedelta(hours=1)) for t in tickets], "ticket comments")
    states = [SlaState.OK, SlaState.OK, SlaState.WARNING, SlaState.BREACHED, SlaState.PAUSED, SlaState.MET, SlaState.MET, SlaState.MET]
    clocks = [
        SlaClock(
            ticket=t, policy=policy, started_at=t.created_at, first_response_due=t.created_at + datetime.timedelta(hours=4),
            first_response_warn_at=t.created_at + datetime.timedelta(hours=3), resolution_due=t.created_at + datetime.timedelta(days=1),
            resolution_warn_at=t.created_at + datetime.timedelta(hours=20), state=SlaState.MET if t.status == "closed" else states[i % len(states)],
        )  # fmt: skip
        for i, t in enumerate(tickets)
    ]
    _bulk(SlaClock, clocks, "SLA clocks")
    from django.db import connection

    with connection.cursor() as cursor:
        # Fresh statistics (and on PostgreSQL the visibility map, for index-only counts), as autovacuum
        # or SQLite's optimize give a database that has been running; a bulk load leaves neither.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    seconds = time.monotonic() - started
    _say(f"filled in {seconds:.1f} s")
    return {
        "load_seconds": round(seconds, 1), "tickets": len(tickets), "events": len(events), "orders": len(orders),
        "admin": admin.pk, "supervisor": supervisor.pk, "agent": agents[1].pk, "team": teams[1].pk,
        "product": products[7].pk, "ticket_ids": [t.pk for t in rng.sample(tickets, 60)], "agent_ticket_ids": [t.pk for t in tickets if t.team_id == teams[1].pk][-60:],
        "number": tickets[len(tickets) // 2].number,
    }  # fmt: skip


def _timed(call, runs: int) -> dict:
    for _ in range(3):
        call(0)
    samples = []
    for index in range(runs):
        started = time.perf_counter()
        call(index)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * len(samples)) - 1)]
    return {"p50": round(statistics.median(samples), 1), "p95": round(p95, 1), "max": round(samples[-1], 1)}


def measure(info: dict, runs: int) -> list[dict]:
    from django.test import Client

    from kefu.accounts.models import User
    from kefu.accounts.services import api_token_create

    supervisor = User.objects.get(pk=info["supervisor"])
    agent = User.objects.get(pk=info["agent"])
    pages = {"supervisor": Client(), "agent": Client()}
    pages["supervisor"].force_login(supervisor)
    pages["agent"].force_login(agent)
    tokens = {role: api_token_create(user=user, name="bench")[1] for role, user in (("supervisor", supervisor), ("agent", agent))}
    api = Client()

    def page(role: str, path: str):
        def call(_index: int) -> None:
            response = pages[role].get(path)
            assert response.status_code == 200, (path, response.status_code)
        return call

    def page_each(role: str, ids: list[int], template: str):
        def call(index: int) -> None:
            path = template.format(ids[index % len(ids)])
            response = pages[role].get(path)
            assert response.status_code == 200, (path, response.status_code)
        return call

    def api_get(role: str, template: str, ids: list[int] | None = None):
        def call(index: int) -> None:
            path = template.format(ids[index % len(ids)]) if ids else template
            response = api.get(path, headers={"Authorization": f"Bearer {tokens[role]}"})
            assert response.status_code == 200, (path, response.status_code, response.content[:200])
        return call

    ids, agent_ids = info["ticket_ids"], info["agent_ticket_ids"]
    scenarios = [
        ("page", "list, supervisor, no filter", page("supervisor", "/tickets/")),
        ("page", "list, open tickets", page("supervisor", "/tickets/?status=open")),
        ("page", "list, type + priority", page("supervisor", "/tickets/?type=quality&priority=high")),
        ("page", "list, SLA near breach", page("supervisor", "/tickets/?sla=warning")),
        ("page", "list, product", page("supervisor", f"/tickets/?product={info['product']}")),
        ("page", "list, team + status", page("supervisor", f"/tickets/?team={info['team']}&status=in_progress")),
        ("page", "list, agent: my open tickets", page("agent", "/tickets/?assignee=me&status=open")),
        ("page", "list, agent: team's tickets", page("agent", "/tickets/")),
        ("page", "list, search by number", page("supervisor", f"/tickets/?q={info['number']}")),
        ("page", "list, page 100", page("supervisor", "/tickets/?page=100")),
        ("page", "ticket detail, supervisor", page_each("supervisor", ids, "/tickets/{}/")),
        ("page", "ticket detail, agent", page_each("agent", agent_ids, "/tickets/{}/")),
        ("api", "GET /api/v1/tickets", api_get("supervisor", "/api/v1/tickets")),
        ("api", "GET /api/v1/tickets?status=in_progress&type=quality", api_get("supervisor", "/api/v1/tickets?status=in_progress&type=quality")),
        ("api", "GET /api/v1/tickets?team_id=…&open_only=true", api_get("supervisor", f"/api/v1/tickets?team_id={info['team']}&open_only=true")),
        ("api", "GET /api/v1/tickets (agent)", api_get("agent", "/api/v1/tickets")),
        ("api", "GET /api/v1/tickets/{id}", api_get("supervisor", "/api/v1/tickets/{}", ids)),
        ("api", "GET /api/v1/tickets/{id}/events", api_get("supervisor", "/api/v1/tickets/{}/events", ids)),
    ]
    results = []
    for kind, label, call in scenarios:
        timing = _timed(call, runs)
        results.append({"kind": kind, "scenario": label, **timing})
        _say(f"  {label}: p50 {timing['p50']} ms, p95 {timing['p95']} ms")
    return results


def child(database_url: str, rows: int, runs: int) -> dict:
    _setup_django(database_url)
    info = fill(rows)
    results = measure(info, runs)
    server = None
    from django.db import connection

    if connection.vendor == "postgresql":
        server = connection.cursor().connection.info.server_version
    connection.close()
    return {"load_seconds": info["load_seconds"], "tickets": info["tickets"], "events": info["events"], "results": results, "server": server}


# --- orchestration ---------------------------------------------------------------------------------


def _fresh_database(database: str, url: str | None) -> str:
    if url:
        return url
    if database == "sqlite":
        path = OUT / "bench-tickets.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {POSTGRES_DATABASE}")
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{POSTGRES_DATABASE}"


def _drop(database: str, url: str | None) -> None:
    if url:
        return
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{OUT / 'bench-tickets.sqlite3'}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)")


def _run_child(database: str, url: str | None, rows: int, runs: int) -> dict:
    database_url = _fresh_database(database, url)
    command = [sys.executable, "-m", "bench.tickets", "--child", "--database-url", database_url, "--rows", str(rows), "--runs", str(runs)]
    try:
        completed = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    finally:
        _drop(database, url)
    if completed.returncode != 0:
        raise SystemExit(f"benchmark child for {database} failed")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _machine(postgres: str) -> str:
    cpu = cpu_model()
    import django

    return (
        f"{cpu}, {os.cpu_count()} cores; {platform.platform()}; Python {platform.python_version()}, Django {django.get_version()}, "
        f"SQLite {sqlite3.sqlite_version}, PostgreSQL {postgres}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="tickets to load")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--database-url", help="use this database (emptied by the caller) instead of a fresh one")
    parser.add_argument("--runs", type=int, default=40, help="timed requests per scenario")
    parser.add_argument("--no-results", action="store_true", help="do not update bench/RESULTS.md")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.database_url, args.rows, args.runs)))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    if args.database_url:
        databases = ["postgres" if args.database_url.startswith("postgres") else "sqlite"]
    else:
        databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    outcomes = {}
    for database in databases:
        _say(f"{database}: loading {args.rows:,} tickets")
        outcomes[database] = _run_child(database, args.database_url, args.rows, args.runs)
    server = next((o["server"] for o in outcomes.values() if o.get("server")), None)
    postgres = f"{server // 10000}.{server % 10000}" if server else "-"
    lines = [
        "## Tickets: list, ticket page and API (`bench/tickets.py`)",
        "",
        f"Command: `python -m bench.tickets --rows {args.rows} --database {args.database} --runs {args.runs}`  ",
        f"Date: {datetime.date.today().isoformat()}  ",  # noqa: DTZ011 - the run's calendar day, for the record
        f"Machine: {_machine(postgres)}",
        "",
        f"{args.rows:,} tickets over 365 days (4 teams, 24 agents, 13 types, 8 statuses, 95% of those older than ten days closed), "
        "each with an order, a linked item, two timeline events, a reply and an SLA clock. Requests go through Django's test client "
        "with the whole stack (session or API token, permission checks, templates or JSON); 3 warm-up requests, then "
        f"{args.runs} timed ones per scenario (detail pages and API detail rotate over 60 tickets). Target: p95 < {TARGET_MS} ms.",
        "",
        "| database | load (s) | scenario | p50 (ms) | p95 (ms) | max (ms) | p95 < 100 ms |",
        "|---|---:|---|---:|---:|---:|:---:|",
    ]
    for database, outcome in outcomes.items():
        for row in outcome["results"]:
            ok = "yes" if row["p95"] < TARGET_MS else "**no**"
            lines.append(f"| {database} | {outcome['load_seconds']} | {row['scenario']} | {row['p50']} | {row['p95']} | {row['max']} | {ok} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_results:
        section_write("tickets", text)


if __name__ == "__main__":
    main()
