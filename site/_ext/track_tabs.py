"""A chapter page's two tracks in tabs (sphinx-design's tab set, synced across pages).

A chapter page is one notebook made of both solved tracks, each starting with its own
``# Chapter NN — title (Keras track)`` heading (helpers/course/authoring/site.py). This
transform turns those top-level sections into one section, titled by the chapter, holding a
tab set with one tab per track. It runs before Sphinx collects titles and tables of contents.
"""

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx_design.shared import create_component

SYNC_GROUP = "track"


def track_tab(section: nodes.section, label: str, selected: bool) -> nodes.container:
    """A tab item holding ``section``'s content under the label ``label``."""
    item = create_component("tab-item", classes=["sd-tab-item"], selected=selected)
    tab_label = nodes.rubric(label, label, classes=["sd-tab-label"])
    tab_label["sync_id"], tab_label["sync_group"] = label.lower(), SYNC_GROUP
    content = create_component("tab-content", classes=["sd-tab-content"], ids=section["ids"])
    content.extend(child for child in section.children if not isinstance(child, nodes.title))
    item += [tab_label, content]
    return item


class TrackTabs(SphinxTransform):
    default_priority = 700

    def apply(self) -> None:
        if not self.env.docname.startswith("chapters/"):
            return
        sections = [child for child in self.document.children if isinstance(child, nodes.section)]
        if len(sections) != 2:
            raise ValueError(f"{self.env.docname}: a chapter page has one top-level heading per track, "
                             f"found {len(sections)}")
        labels = [section[0].astext().rsplit("(", 1)[-1].removesuffix(" track)") for section in sections]
        title = sections[0][0].astext().rsplit(" (", 1)[0]
        chapter = nodes.section(ids=[nodes.make_id(title)], names=[nodes.fully_normalize_name(title)])
        chapter += nodes.title(title, title)
        tab_set = create_component("tab-set", classes=["sd-tab-set"])
        tab_set.extend(track_tab(section, label, selected=index == 0)
                       for index, (section, label) in enumerate(zip(sections, labels)))
        chapter += tab_set
        first = self.document.index(sections[0])
        for section in sections:
            self.document.remove(section)
        self.document.insert(first, chapter)


def setup(app):
    app.add_transform(TrackTabs)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
