"""Rule evaluation's own errors: none. Every event gets a ``Decision`` (``not_a_trigger`` and ``blocked`` say
why); an input that is not a bus event raises ``services.common.models.errors.MalformedRecord``, and a failed
read or write fails the execution with DynamoDB's own error."""
