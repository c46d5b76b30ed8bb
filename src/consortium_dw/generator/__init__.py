"""The synthetic district generator: writes ../shared/EXTRACTS.md deliveries for a demo or a
benchmark, with a reform story and a known set of dirty rows (docs/generator.md)."""

from consortium_dw.generator.generate import generate, side_files
from consortium_dw.generator.resend import resend_day

__all__ = ["generate", "resend_day", "side_files"]
