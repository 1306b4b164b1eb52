"""python -m medrules.publish.book: write the generated pages (book/_generated/*.md) without building."""
from .generated import write_generated
from .pages import REPO

for p in write_generated():
    print(p.relative_to(REPO))
