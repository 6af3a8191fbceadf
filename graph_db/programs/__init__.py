"""Programs, speed-mentoring events, surveys and awards: the graph side of issue 16.

Each part is a module of its own (.speed_events, ...); records live in .records. The bare
Program node and its IN_PROGRAM roles stay in graph_db.mentorship.programs, which the
mentorship rules (program admins) already depend on.
"""
