"""The look of a folder's frames, in one place: the value (size, mode, colour table) and the look names
(:mod:`.value`), each band's colour tables (:mod:`.tables`), a frame's look from its header (:mod:`.header`), the
folder's look from its frames (:mod:`.sample`, :mod:`.decide`), the look a fetch writes (:mod:`.plan`) and the
plan of ``fetch --conform`` (:mod:`.conform_plan`). Used by scan, fetch, render, the command line and the GUI.
Pure apart from header reads. No Qt."""
