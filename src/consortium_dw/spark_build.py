"""`dbt build --target spark` (Spark local, session method) over a DuckDB warehouse's sources.

    python -m consortium_dw.spark_build --warehouse DATA_DIR/warehouse.duckdb --work-dir DIR

The sources are exported to `DIR/raw_parquet` (consortium_dw.spark_export); Spark's metastore,
managed tables and temp files live under `DIR/spark`; dbt's target and logs under `DIR/dbt`, so
the DuckDB project's `dbt/target/manifest.json` (Dagster reads it) is never overwritten. dbt runs
in its own process: the JVM and the Derby metastore lock go away with it. Models are stored as
Parquet (dbt-spark's default), so `metric_values_path` can be read without Spark.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from consortium_dw.spark_export import export_sources

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt"
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"


class SparkBuildFailed(RuntimeError):
    pass


@dataclass
class SparkBuild:
    export_seconds: float
    build_seconds: float
    exported_rows: dict[str, int] = field(default_factory=dict)
    spark_dir: Path = Path()
    log: str = ""

    @property
    def metric_values_path(self) -> Path:
        """The managed table's folder of Parquet files (database `marts`)."""
        return self.spark_dir / "warehouse" / "marts.db" / "metric_values"


def spark_environment(work_dir: Path, driver_memory: str = "2g",
                      shuffle_partitions: int = 4) -> dict[str, str]:
    spark_dir = work_dir / "spark"
    (spark_dir / "jtmp").mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "SPARK_WORK_DIR": str(spark_dir),
        "SPARK_RAW_PARQUET": str(work_dir / "raw_parquet"),
        "SPARK_DRIVER_MEMORY": driver_memory,
        "SPARK_SHUFFLE_PARTITIONS": str(shuffle_partitions),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # dbt-spark's session method starts the JVM through pyspark, which needs these.
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        # Never resolved on Spark, but the profile file renders every target.
        "DUCKDB_PATH": os.environ.get("DUCKDB_PATH", str(work_dir / "unused.duckdb")),
    }


def dbt_spark_command(work_dir: Path, *args: str) -> list[str]:
    return [str(DBT_EXECUTABLE), *args, "--target", "spark",
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(work_dir / "dbt" / "target"),
            "--log-path", str(work_dir / "dbt" / "logs")]


def build_on_spark(warehouse: str | Path, work_dir: str | Path, driver_memory: str = "2g",
                   dbt_args: tuple[str, ...] = ("build",),
                   shuffle_partitions: int = 4) -> SparkBuild:
    """Export the sources, then run dbt on Spark; raises SparkBuildFailed with dbt's output.
    `shuffle_partitions`: 1 suits a tiny district (every shuffle is one task, not four)."""
    work_dir = Path(work_dir).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    exported = export_sources(warehouse, work_dir / "raw_parquet")
    exported_at = time.monotonic()
    env = spark_environment(work_dir, driver_memory, shuffle_partitions)
    result = subprocess.run(dbt_spark_command(work_dir, *dbt_args), env=env, cwd=work_dir,
                            capture_output=True, text=True, check=False)
    finished = time.monotonic()
    if result.returncode != 0:
        raise SparkBuildFailed(f"dbt {' '.join(dbt_args)} --target spark failed "
                               f"(exit {result.returncode}):\n{result.stdout[-6000:]}\n"
                               f"{result.stderr[-3000:]}")
    return SparkBuild(export_seconds=exported_at - started, build_seconds=finished - exported_at,
                      exported_rows=exported, spark_dir=work_dir / "spark", log=result.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the dbt project on Spark local.")
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--driver-memory", default="2g")
    args = parser.parse_args(argv)
    try:
        build = build_on_spark(args.warehouse, args.work_dir, args.driver_memory)
    except SparkBuildFailed as failed:
        print(failed, file=sys.stderr)
        return 1
    print(build.log)
    print(f"export {build.export_seconds:.1f} s, dbt build on Spark {build.build_seconds:.1f} s; "
          f"metric_values in {build.metric_values_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
