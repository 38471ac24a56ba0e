"""The tracker's views: ``pages`` (the public pages) and ``downloads`` (the data URLs).

Only ``tracker/urls.py`` imports them; what they share lives with its data
(querysets on the models, filters in ``filters``, JSON in ``serializers``,
maps in ``places``).
"""
