"""Parses an OpenMetrics exposition from stdin with prometheus_client's own parser (an
independent reader of the format) and prints every sample as JSON:
[{"name": ..., "labels": {...}, "value": ...}, ...]. A malformed exposition fails."""

import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families


def main() -> None:
    samples = []
    for family in text_string_to_metric_families(sys.stdin.read()):
        for sample in family.samples:
            samples.append(
                {"name": sample.name, "labels": sample.labels, "value": sample.value}
            )
    print(json.dumps(samples))


if __name__ == "__main__":
    main()
