"""The reviewer's server-rendered pages: inbox, claim, review page and its decisions."""
