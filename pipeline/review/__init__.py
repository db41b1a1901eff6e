"""Translators' review of aligned pairs: a local web page (app), decisions kept in
aligned/reviews.sqlite (store), and the crops of PDF pages shown beside the text."""
