"""`kefu assist train|eval|examples`: train Kefu's text models and evaluate them on any CSV.

    kefu assist train [--out DIR] [--reviews REVIEWS.csv] [--intent-extra FILE.csv] [--emotion-extra FILE.csv] [--only a,b]
    kefu assist eval --task sentiment|emotion|intent|match|guard --data FILE.csv
                     [--map MAP.json] [--json] [--cv K | --cv-by COLUMN] [--limit N] [--seed S]
    kefu assist examples          rebuild data/emotion_examples.csv and intent_examples.csv

Classification CSVs have the header ``text,label`` (extra columns ignored, UTF-8 with or
without BOM); sentiment labels are positive/negative (1/0 accepted). ``--map`` is a JSON
object mapping the file's labels onto Kefu's (null = skip the row). ``match`` reads
``text_a,text_b,label``. Sentiment with ``--cv K`` retrains per fold, so nothing is tested on
what it was trained on; without ``--cv`` the shipped model is used.
"""

from __future__ import annotations

import csv
import json
import random
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

TASKS = ("sentiment", "emotion", "intent", "match", "guard")
MODELS = ("emotion", "intent", "sentiment", "match", "guard")


def _progress(iterable, *, total=None, desc="", enabled=True):
    if enabled and sys.stderr.isatty():
        from tqdm import tqdm

        return tqdm(iterable, total=total, desc=desc, file=sys.stderr, leave=False, delay=0.5)
    return iterable


class Command(BaseCommand):
    help = "Train Kefu's Chinese text models and evaluate them on a CSV file."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="train the emotion, intent and sentiment models")
        train.add_argument("--out", type=Path, help="directory for the model files (default: the package's)")
        train.add_argument("--reviews", type=Path, help="CSV text,label of product reviews for sentiment")
        train.add_argument(
            "--intent-extra",
            type=Path,
            help="CSV text,stage[,objection] added to the intent examples (stage may be a FAQ category)",
        )
        train.add_argument(
            "--emotion-extra",
            type=Path,
            help="CSV text,label (angry, anxious, disappointed, neutral, satisfied) added to the emotion examples: "
            "the shop's own labelled customer messages",
        )
        train.add_argument(
            "--only",
            help=f"comma-separated models to train (default: all of {','.join(MODELS)}; sentiment only with "
            "--reviews unless named here)",
        )

        ev = sub.add_parser("eval", help="evaluate one task on a CSV file")
        ev.add_argument("--task", choices=TASKS, required=True)
        ev.add_argument("--data", type=Path, required=True)
        ev.add_argument("--map", type=Path, help="JSON label map onto Kefu's labels (null skips a label)")
        ev.add_argument("--json", action="store_true", help="print one JSON object")
        ev.add_argument("--cv", type=int, default=0, help="sentiment: K-fold cross-validation, retrained per fold")
        ev.add_argument(
            "--cv-by",
            metavar="COLUMN",
            help="sentiment: hold out each value of COLUMN in turn (e.g. category: unseen categories)",
        )
        ev.add_argument("--limit", type=int, default=0, help="use a random sample of N rows")
        ev.add_argument("--seed", type=int, default=0)

        sub.add_parser("examples", help="rebuild the shipped training example CSVs from seeds and templates")

    def handle(self, *args, action, **options):
        if action == "train":
            return self.train(options)
        if action == "examples":
            from kefu.assist.training import build_examples

            counts = build_examples()
            self.stdout.write(_("Examples written: %(counts)s") % {"counts": counts})
            return None
        return self.evaluate(options)

    # -- train ---------------------------------------------------------------------------
    def _emotion_extra(self, path: Path) -> list[tuple[str, str]]:
        """Read a shop's labelled messages; any row without text or with a label Kefu does not know stops the training."""
        from kefu.assist.emotion import EMOTIONS
        from kefu.assist.training import read_csv

        if not path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})
        try:
            table = read_csv(path)
        except (UnicodeDecodeError, csv.Error) as error:
            raise CommandError(_("Cannot read %(path)s as UTF-8 CSV: %(error)s") % {"path": path, "error": error}) from error
        rows, bad = [], []
        for line, row in enumerate(table, start=2):
            text, label = (row.get("text") or "").strip(), (row.get("label") or "").strip().lower()
            if not text or label not in EMOTIONS:
                bad.append(str(line))
            rows.append((text, label))
        if bad:
            raise CommandError(
                _("Lines %(lines)s need a text and one of the labels %(labels)s.") % {"lines": ", ".join(bad[:20]), "labels": ", ".join(EMOTIONS)}
            )
        return rows

    def train(self, options):
        from kefu.assist.training import MODELS_DIR, read_csv, train_all

        reviews = options.get("reviews")
        if reviews and not reviews.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": reviews})
        extra = []
        if options.get("intent_extra"):
            path = options["intent_extra"]
            if not path.is_file():
                raise CommandError(_("File not found: %(path)s") % {"path": path})
            extra = [
                (r.get("text") or "", r.get("stage") or r.get("label") or r.get("category") or "", r.get("objection") or "")
                for r in read_csv(path)
            ]
        emotion_extra = self._emotion_extra(options.get("emotion_extra")) if options.get("emotion_extra") else []
        only = {name.strip() for name in (options.get("only") or "").split(",") if name.strip()}
        unknown = only - set(MODELS)
        if unknown:
            raise CommandError(_("Unknown models: %(names)s") % {"names": ", ".join(sorted(unknown))})
        log = lambda line: self.stdout.write(str(line))  # noqa: E731
        if not only:
            only = set(MODELS)
            if not reviews:  # do not replace a review-trained sentiment model with a chat-only one by accident
                only.discard("sentiment")
                log(_("sentiment: kept as it is (pass --reviews FILE to retrain it)"))
        out = options.get("out") or MODELS_DIR
        started = time.perf_counter()
        saved = train_all(
            out,
            reviews=reviews,
            intent_extra=extra,
            emotion_extra=emotion_extra,
            progress=lambda it: _progress(it, desc="sentiment"),
            log=log,
            only=only,
        )
        if "match" in only:
            from kefu.assist.match import train_default

            saved["match"] = train_default(out, progress=log)
        if "guard" in only:
            from kefu.assist.guard import guard_train

            path = Path(out) / "guard_model.json"
            guard_train(path=path)
            saved["guard"] = path
        for name, path in saved.items():
            size = path.stat().st_size / 1024
            self.stdout.write(f"{name}: {path} ({size:.0f} KB)")
        self.stdout.write(_("Trained in %(seconds).1f s.") % {"seconds": time.perf_counter() - started})

    # -- eval ----------------------------------------------------------------------------
    def evaluate(self, options):
        from kefu.assist import evaluation

        task, data = options["task"], options["data"]
        if not data.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": data})
        if options.get("map") and not options["map"].is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": options["map"]})
        try:
            label_map = evaluation.load_label_map(options.get("map"))
            if task == "match":
                rows = evaluation.read_pairs_csv(data)
            else:
                rows = evaluation.read_labelled_csv(data, label_map=label_map, sentiment=task == "sentiment")
        except (ValueError, json.JSONDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        if options.get("limit") and len(rows) > options["limit"]:
            rows = random.Random(options.get("seed") or 0).sample(rows, options["limit"])
        if not rows:
            raise CommandError(_("No usable rows in %(path)s.") % {"path": data})

        if task == "match":
            from kefu.assist.match import evaluate_pairs

            try:
                report = evaluate_pairs(rows)
            except FileNotFoundError as exc:
                raise CommandError(str(exc)) from exc
        elif task == "sentiment" and options.get("cv_by"):
            report = self._sentiment_by_group(data, options["cv_by"], label_map)
        elif task == "sentiment" and options.get("cv"):
            report = self._sentiment_cv(rows, options["cv"], seed=options.get("seed") or 0)
        else:
            report = self._classify(task, rows)
        report["task"] = task
        if options.get("json"):
            self.stdout.write(json.dumps(report, ensure_ascii=False, default=_jsonable))
        else:
            self._print(report)
        return None

    def _predictor(self, task):
        if task == "sentiment":
            from kefu.assist.emotion import sentiment

            return lambda text: sentiment(text).label
        if task == "emotion":
            from kefu.assist.emotion import emotion

            return lambda text: emotion(text).label
        if task == "intent":
            from kefu.assist.intent import intent

            return lambda text: intent(text).stage
        from kefu.assist.guard import label

        return label

    def _classify(self, task, rows):
        from kefu.assist.evaluation import classification_report

        predict = self._predictor(task)
        try:
            predict("你好，请问这个有货吗")  # load models before timing (a rule may answer rows[0] alone)
            predict(rows[0][0])
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        gold, pred, seconds = [], [], []
        for text, label in _progress(rows, total=len(rows), desc=task):
            start = time.perf_counter()
            guess = predict(text)
            seconds.append(time.perf_counter() - start)
            gold.append(label)
            pred.append(guess)
        return classification_report(gold, pred, seconds)

    def _sentiment_cv(self, rows, k, *, seed=0):
        from kefu.assist.evaluation import classification_report
        from kefu.assist.sentiment import cross_validate

        if k < 2:
            raise CommandError(_("--cv needs at least 2 folds."))
        gold, pred, seconds, folds = cross_validate(
            rows, k=k, seed=seed, progress=lambda it, total, desc: _progress(it, total=total, desc=desc)
        )
        report = classification_report(gold, pred, seconds)
        report["cv"] = k
        report["fold_accuracy"] = folds
        return report

    def _sentiment_by_group(self, data, column, label_map):
        import csv

        from kefu.assist.evaluation import SENTIMENT_LABELS, classification_report
        from kefu.assist.sentiment import cross_validate

        rows, groups = [], []
        with data.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if column not in (reader.fieldnames or []):
                raise CommandError(_("No column %(column)s in %(path)s.") % {"column": column, "path": data})
            for row in reader:
                text, label = (row.get("text") or "").strip(), (row.get("label") or "").strip()
                if label_map is not None:
                    label = label_map.get(label) or ""
                label = SENTIMENT_LABELS.get(label.lower(), "")
                if text and label:
                    rows.append((text, label))
                    groups.append(row.get(column) or "")
        names = sorted(set(groups))
        if len(names) < 2:
            raise CommandError(_("--cv-by needs at least two values in %(column)s.") % {"column": column})
        gold, pred, seconds, folds = cross_validate(
            rows, groups=groups, progress=lambda it, total, desc: _progress(it, total=total, desc=desc)
        )
        report = classification_report(gold, pred, seconds)
        report["held_out_accuracy"] = dict(zip(names, folds, strict=True))
        return report

    def _print(self, report):
        w = self.stdout.write
        w(_("Task: %(task)s, n = %(n)d") % {"task": report["task"], "n": report.get("n", 0)})
        for key in ("accuracy", "macro_f1", "auc", "acc_at_1", "recall_at_5", "mrr"):
            if key in report and report[key] is not None:
                w(f"  {key:<12} {report[key]:.4f}")
        if "fold_accuracy" in report:
            w(_("  %(k)d-fold accuracies: %(folds)s")
              % {"k": report["cv"], "folds": ", ".join(f"{a:.4f}" for a in report["fold_accuracy"])})
        for group, value in report.get("held_out_accuracy", {}).items():
            w(_("  held out %(group)s: accuracy %(accuracy).4f") % {"group": group, "accuracy": value})
        for key in ("p50_ms", "p99_ms"):
            if key in report:
                w(f"  {key:<12} {report[key]:.3f}")
        if "per_class" in report:
            w(_("Per class (precision / recall / support):"))
            for label, stats in report["per_class"].items():
                w(f"  {label:<18} {stats['precision']:.3f}  {stats['recall']:.3f}  {stats['support']}")
        if "confusion" in report:
            labels = report["confusion"]["labels"]
            w(_("Confusion matrix (rows: true label, columns: predicted):"))
            width = max(8, *(len(label) + 1 for label in labels))
            w(" " * width + "".join(f"{label[:width - 1]:>{width}}" for label in labels))
            for label, row in zip(labels, report["confusion"]["matrix"], strict=True):
                w(f"{label[:width - 1]:<{width}}" + "".join(f"{v:>{width}}" for v in row))
        for key, value in report.items():
            if key not in {"task", "n", "accuracy", "macro_f1", "auc", "acc_at_1", "recall_at_5", "mrr", "p50_ms",
                           "p99_ms", "per_class", "confusion", "cv", "fold_accuracy", "held_out_accuracy"}:
                w(f"  {key}: {value}")


def _jsonable(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)
