"""Benchmark the order import: rows/s and peak memory at 10k, 50k and 100k rows, SQLite and PostgreSQL.

    python -m bench.import_orders [--rows 100000] [--database sqlite|postgres|both] [--baseline-rows 5000]

Generates a deterministic Taobao-style order export (Chinese headers, one row per item, UTF-8 with
BOM; a GBK variant too with --gbk) under bench/out/, imports it into a fresh database per
measurement (each in its own process, so peak RSS belongs to that run alone), re-imports the
largest file (every order updated, items replaced), and compares with the naive per-row ORM import
(get_or_create / update_or_create per row, as a typical django-import-export resource does) on a
smaller sample. Prints the figures and rewrites its section of bench/RESULTS.md.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import random
import resource
import sqlite3
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from bench.results import RESULTS, cpu_model, section_write

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
POSTGRES_DATABASE = "kefu_bench"

HEADER = [
    "订单编号", "买家会员名", "买家支付宝账号", "支付单号", "买家应付货款", "买家应付邮费", "总金额", "买家实际支付金额",
    "订单状态", "买家留言", "收货人姓名", "收货地址", "联系电话", "联系手机", "订单创建时间", "订单付款时间", "宝贝标题",
    "宝贝种类", "宝贝数量", "商家编码", "价格", "物流公司", "物流单号", "运送方式", "发货时间", "确认收货时间", "店铺名称",
    "订单备注", "退款金额", "优惠/折扣",
]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
PLACES = [("浙江省", "杭州市", "西湖区"), ("广东省", "深圳市", "南山区"), ("江苏省", "南京市", "鼓楼区"),
          ("上海", "上海市", "浦东新区"), ("北京", "北京市", "朝阳区"), ("四川省", "成都市", "武侯区")]  # fmt: skip
PRODUCTS = ["纯棉T恤", "连衣裙", "羊毛围巾", "运动鞋", "保温杯", "蓝牙耳机", "护手霜", "双肩包", "牛仔裤", "真丝睡衣"]
CARRIERS = ["中通快递", "圆通速递", "顺丰速运", "韵达快递", "申通快递", "邮政EMS"]
STATUSES = [("交易成功", 55), ("卖家已发货，等待买家确认", 15), ("买家已付款，等待卖家发货", 10), ("等待买家付款", 5),
            ("交易关闭", 8), ("退款中", 3), ("已退款", 4)]  # fmt: skip
SKU_COUNT = 400


def sku_price(index: int) -> Decimal:
    return Decimal(19 + (index * 37) % 480) + Decimal("0.90")


def generate_orders_csv(path: Path, *, rows: int, encoding: str = "utf-8-sig", seed: int = 20260301) -> Path:
    """Write a Taobao-style order export with exactly `rows` data rows (orders of 1 to 3 items)."""
    rng = random.Random(seed)
    statuses, weights = zip(*STATUSES, strict=True)
    buyers = max(rows // 3, 1)
    start = datetime.datetime(2025, 1, 1, 8, 0)  # noqa: DTZ001 - wall-clock time in the export, as Taobao writes it
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="", errors="strict") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        written = 0
        order_index = 0
        while written < rows:
            order_index += 1
            number = str(3_800_000_000_000_000 + order_index * 7919)
            buyer_index = rng.randrange(buyers)
            buyer = f"tb_{buyer_index:07d}"
            name = SURNAMES[buyer_index % len(SURNAMES)] + GIVEN[(buyer_index // 7) % len(GIVEN)]
            mobile = f"1{3 + buyer_index % 6}{buyer_index:09d}"[:11]
            province, city, district = PLACES[buyer_index % len(PLACES)]
            item_count = min(rng.choice((1, 1, 1, 1, 2, 2, 3)), rows - written)
            items = []
            for _ in range(item_count):
                sku_index = rng.randrange(SKU_COUNT)
                items.append((f"{PRODUCTS[sku_index % len(PRODUCTS)]} {sku_index:03d}款", f"SKU-{sku_index:05d}", rng.choice((1, 1, 1, 2, 3)), sku_price(sku_index)))
            goods = sum(price * quantity for _t, _s, quantity, price in items)
            shipping = Decimal("0.00") if goods >= 99 else Decimal("10.00")
            discount = Decimal(rng.choice((0, 0, 0, 5, 10))).quantize(Decimal("0.01"))
            due = goods - discount + shipping
            status = rng.choices(statuses, weights)[0]
            placed = start + datetime.timedelta(minutes=order_index * 3 + rng.randrange(3))
            unpaid = status in ("等待买家付款", "交易关闭")
            paid_at = "" if unpaid else (placed + datetime.timedelta(minutes=2)).strftime("%Y-%m-%d %H:%M:%S")
            shipped = status in ("交易成功", "卖家已发货，等待买家确认", "退款中")
            shipped_at = (placed + datetime.timedelta(hours=20)).strftime("%Y/%m/%d %H:%M") if shipped else ""
            confirmed = (placed + datetime.timedelta(days=5)).strftime("%Y-%m-%d %H:%M:%S") if status == "交易成功" else ""
            carrier = rng.choice(CARRIERS) if shipped else ""
            tracking = f"7{order_index:013d}" if shipped else ""
            refund = str(due) if status == "已退款" else ""
            for position, (title, sku, quantity, price) in enumerate(items):
                first = position == 0
                writer.writerow([
                    f'="{number}"', buyer, f"{mobile[:3]}****{mobile[-4:]}" if first else "", f"20{order_index:026d}" if first else "",
                    goods if first else "", shipping if first else "", due if first else "", ("0.00" if unpaid else due) if first else "",
                    status, rng.choice(("", "", "", "请尽快发货", "送人的，不要放发票")) if first else "", name,
                    f"{province} {city} {district} 文三路{buyer_index % 500}号" , "", mobile, placed.strftime("%Y-%m-%d %H:%M:%S"),
                    paid_at, title, item_count, quantity, sku, price, carrier, tracking, "快递" if first else "", shipped_at,
                    confirmed, "小店旗舰店", "", refund, discount if first else "",
                ])  # fmt: skip
                written += 1
    return path


# --- the measured runs (each in a fresh process) ------------------------------------------


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    os.environ.setdefault("KEFU_VAR_DIR", str(OUT / "var"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from kefu.catalog.models import Product

    Product.objects.bulk_create(
        [Product(sku=f"SKU-{index:05d}", name=f"{PRODUCTS[index % len(PRODUCTS)]} {index:03d}款", price=sku_price(index)) for index in range(SKU_COUNT)]
    )


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _fast_import(path: Path) -> dict:
    from kefu.importing.services import import_run_execute

    started = time.perf_counter()
    with path.open("rb") as handle:
        run = import_run_execute(kind="orders", file=handle, file_name=path.name)
    seconds = time.perf_counter() - started
    return {"rows": run.rows_total, "seconds": seconds, "rows_per_second": run.rows_total / seconds, "created": run.created_count,
            "updated": run.updated_count, "rejected": run.rejected_count, "status": run.status}  # fmt: skip


def _naive_import(path: Path) -> dict:
    """Import as a user otherwise would: one get_or_create / update_or_create per row (as django-import-export)."""
    from django.db import transaction
    from django.utils import timezone

    from kefu.catalog.models import Product
    from kefu.customers.models import Customer, CustomerIdentity
    from kefu.importing.cells import RowError
    from kefu.importing.columns import resolve_columns
    from kefu.importing.importers import RowGroup
    from kefu.importing.orders import OrderImporter
    from kefu.importing.readers import open_table
    from kefu.orders.models import Order, OrderItem

    started = time.perf_counter()
    rows = 0
    with path.open("rb") as handle, transaction.atomic():
        reader = open_table(handle, file_name=path.name)
        columns = resolve_columns(kind="orders", header=reader.header)
        importer = OrderImporter(columns=columns, started_at=timezone.now(), dry_run=True, platform="taobao")
        seen: set[str] = set()
        for row in reader.rows():
            rows += 1
            cells = columns.cells(row.values)
            try:
                number = importer.row_key(cells)
                record = importer.parse_row(cells)
                values = importer._order_values(RowGroup(key=number, lines=[row.line], records=[record])) if number not in seen else None
            except RowError:
                continue
            if values is not None:
                platform_name, external_id = values["_identities"][0]
                identity = CustomerIdentity.objects.filter(platform=platform_name, external_id=external_id).select_related("customer").first()
                if identity is None:
                    customer = Customer.objects.create(**values["_customer"])
                    CustomerIdentity.objects.get_or_create(platform=platform_name, external_id=external_id, defaults={"customer": customer})
                else:
                    customer = identity.customer
                fields = {name: value for name, value in values.items() if not name.startswith("_")}
                order, _created = Order.objects.update_or_create(number=number, defaults={**fields, "customer": customer})
                OrderItem.objects.filter(order=order).delete()
                seen.add(number)
            else:
                order = Order.objects.get(number=number)
            if "item" in record:
                title, sku, quantity, price = record["item"]
                OrderItem.objects.create(order=order, product=Product.objects.filter(sku=sku).first(), title=title, sku=sku, quantity=quantity, unit_price=price or 0)
        reader.close()
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds}


def worker(*, database_url: str, path: Path, mode: str) -> dict:
    _setup_django(database_url)
    rss_before = _rss_mb()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = _naive_import(path) if mode == "naive" else _fast_import(path)
    result["rss_before_mb"] = rss_before
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["peak_before_mb"] = peak_before
    if mode == "reimport":
        second = _fast_import(path)
        result["reimport"] = second
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if database_url.startswith("postgres"):
        from django.db import connection

        result["server"] = connection.cursor().connection.info.server_version
    from django.db import connections

    connections.close_all()
    return result


# --- orchestration ---------------------------------------------------------------------------


def _fresh_database(database: str, label: str) -> str:
    if database == "sqlite":
        path = OUT / f"bench-{label}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {POSTGRES_DATABASE}")
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{POSTGRES_DATABASE}"


def _run_child(database: str, path: Path, mode: str) -> dict:
    url = _fresh_database(database, f"{mode}-{path.stem}")
    command = [sys.executable, "-m", "bench.import_orders", "--worker", mode, "--database-url", url, "--file", str(path)]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _machine(postgres_version: str | None) -> dict:
    cpu = cpu_model()
    import django

    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "django": django.get_version(),
            "sqlite": sqlite3.sqlite_version, "postgres": postgres_version or "-", "os": platform.platform()}  # fmt: skip


def _postgres_version(number: int | None) -> str | None:
    if not number:
        return None
    return f"{number // 10000}.{number % 10000}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="largest file (also measured: 10%% and 50%%)")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--baseline-rows", type=int, default=5_000, help="sample size for the naive per-row baseline")
    parser.add_argument("--gbk", action="store_true", help="also time the GBK-encoded file at the largest size")
    parser.add_argument("--no-results", action="store_true", help="do not update bench/RESULTS.md")
    parser.add_argument("--worker", choices=["fast", "naive", "reimport"], help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(database_url=args.database_url, path=args.file, mode=args.worker)))
        return

    OUT.mkdir(parents=True, exist_ok=True)
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    sizes = sorted({max(args.rows // 10, 1), max(args.rows // 2, 1), args.rows})
    files = {size: generate_orders_csv(OUT / f"orders-{size}.csv", rows=size) for size in sizes}
    sample = generate_orders_csv(OUT / f"orders-{args.baseline_rows}.csv", rows=args.baseline_rows)
    if args.gbk:
        files_gbk = generate_orders_csv(OUT / f"orders-{args.rows}-gbk.csv", rows=args.rows, encoding="gb18030")
    print(f"files: {', '.join(str(path.relative_to(ROOT)) for path in files.values())}", flush=True)

    lines = []
    ratios = []
    postgres_server = None
    for database in databases:
        for size in sizes:
            mode = "reimport" if size == args.rows else "fast"
            result = _run_child(database, files[size], mode)
            postgres_server = result.get("server", postgres_server)
            lines.append((database, f"{size:,} rows, new", result))
            print(f"{database:8} {size:>7,} rows  {result['rows_per_second']:>8,.0f} rows/s  {result['seconds']:6.1f} s  "
                  f"peak RSS {result['peak_rss_mb']:6.1f} MB (before import {result['rss_before_mb']:.1f} MB)", flush=True)  # fmt: skip
            if "reimport" in result:
                again = {**result["reimport"], "peak_rss_mb": result["peak_rss_mb"], "rss_before_mb": result["rss_before_mb"]}
                lines.append((database, f"{size:,} rows, re-import (all updated)", again))
                print(f"{database:8} {size:>7,} re-import {again['rows_per_second']:>8,.0f} rows/s  {again['seconds']:6.1f} s  "
                      f"updated {again['updated']:,}", flush=True)  # fmt: skip
        if args.gbk:
            result = _run_child(database, files_gbk, "fast")
            lines.append((database, f"{args.rows:,} rows, GBK file", result))
            print(f"{database:8} GBK {args.rows:,} rows  {result['rows_per_second']:>8,.0f} rows/s", flush=True)
        fast = _run_child(database, sample, "fast")
        naive = _run_child(database, sample, "naive")
        ratio = fast["rows_per_second"] / naive["rows_per_second"]
        ratios.append((database, fast, naive, ratio))
        print(f"{database:8} baseline on {args.baseline_rows:,} rows: batched {fast['rows_per_second']:,.0f} rows/s, "
              f"naive per-row ORM {naive['rows_per_second']:,.0f} rows/s -> {ratio:.1f}x", flush=True)  # fmt: skip

    machine = _machine(_postgres_version(postgres_server))
    table = ["| database | run | rows/s | seconds | rows rejected | peak RSS (MB) | RSS before import (MB) |", "|---|---|---:|---:|---:|---:|---:|"]
    for database, label, result in lines:
        table.append(f"| {database} | {label} | {result['rows_per_second']:,.0f} | {result['seconds']:.1f} | {result.get('rejected', 0):,} | "
                     f"{result['peak_rss_mb']:.0f} | {result['rss_before_mb']:.0f} |")  # fmt: skip
    baseline = ["| database | batched import (rows/s) | naive per-row ORM (rows/s) | ratio |", "|---|---:|---:|---:|"]
    for database, fast, naive, ratio in ratios:
        baseline.append(f"| {database} | {fast['rows_per_second']:,.0f} | {naive['rows_per_second']:,.0f} | {ratio:.1f}x |")
    text = "\n".join([
        "## Order import (`bench/import_orders.py`)",
        "",
        f"Command: `python -m bench.import_orders --rows {args.rows} --database {args.database} --baseline-rows {args.baseline_rows}`  ",
        f"Date: {datetime.date.today().isoformat()}  ",  # noqa: DTZ011
        f"Machine: {machine['cpu']}, {machine['cores']} cores; {machine['os']}; Python {machine['python']}, Django {machine['django']}, "
        f"SQLite {machine['sqlite']}, PostgreSQL {machine['postgres']}",
        "",
        "Taobao-style export, Chinese headers, UTF-8 with BOM, one row per item (orders of 1-3 items, about 1.4 rows per order), "
        f"{SKU_COUNT} catalogue products, repeat buyers (a third as many buyers as rows). Each run: a fresh database, its own process; "
        "time covers reading, parsing, validation, the writes, the ImportRun row and the audit row. "
        "Batch size `KEFU['IMPORT_BATCH_SIZE']`; the re-import updates every order and replaces its items.",
        "",
        *table,
        "",
        "Peak RSS is the whole process's (Django and the migrations included); rows are streamed and written batch by batch, "
        "so it should not grow with the file: compare it across sizes. On SQLite it includes Python's sqlite3 statement cache "
        "(the last 128 distinct statements of the connection, prepared): the importer's multi-row statements come in a fixed set "
        "of sizes (full chunks, the rest in powers of two), so the cache holds a few MB, reached in the first batches "
        "(SQLite's own memory peaks at about 9 MB at every size; its page cache is the default 2 MB, no mmap). "
        "Rows rejected: none is expected. SQLite evaluates decimal arithmetic in floating point, so Order's CHECK constraint "
        "on the amount paid allows half a fen over the amount due; an order paid in full is accepted on both databases.",
        "",
        f"Baseline: the naive per-row ORM import (customer identity lookup/get_or_create, `Order.update_or_create`, one "
        f"`OrderItem.create` per row, the way a django-import-export resource works; all in one transaction, which favours it) on "
        f"{args.baseline_rows:,} rows, against the batched import of the same file:",
        "",
        *baseline,
    ])  # fmt: skip
    print()
    print(text)
    if not args.no_results:
        section_write("import_orders", text)
        print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
