"""The HTML steps of extraction, in the order ``pipelines.extract`` runs them: parse, page info,
chrome, content, blocks."""
