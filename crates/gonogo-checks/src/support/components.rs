//! The infrastructure components gonogo knows by name (`infra.component` finds them;
//! `deps.declared` leaves their names to it).

/// A component gonogo knows: its canonical name, the other names it goes by (image
/// repositories' last path segment, full image paths, chart names, service names), the other
/// spellings an item may use, its usual configuration files (globs on the file name) and
/// configuration directories.
pub struct Component {
    pub name: &'static str,
    /// Identifiers that count: compared exactly with a service, container or object name, an
    /// image's last path segment or its full path without the registry, a chart name.
    pub ids: &'static [&'static str],
    /// Other spellings accepted in `name=` and in item text.
    pub spellings: &'static [&'static str],
    /// Configuration file names (globs, case-insensitive).
    pub configs: &'static [&'static str],
    /// Configuration directories (path suffixes).
    pub dirs: &'static [&'static str],
}

pub const COMPONENTS: &[Component] = &[
    Component {
        name: "loki",
        ids: &[
            "loki",
            "loki-distributed",
            "loki-stack",
            "loki-simple-scalable",
        ],
        spellings: &["grafana-loki"],
        configs: &["loki-config.y*ml", "loki-local-config.y*ml", "loki.y*ml"],
        dirs: &[],
    },
    Component {
        name: "promtail",
        ids: &["promtail"],
        spellings: &[],
        configs: &["promtail*.y*ml"],
        dirs: &[],
    },
    Component {
        name: "grafana",
        ids: &["grafana", "grafana-oss", "grafana-enterprise"],
        spellings: &[],
        configs: &["grafana.ini"],
        dirs: &["grafana/provisioning"],
    },
    Component {
        name: "prometheus",
        ids: &[
            "prometheus",
            "kube-prometheus-stack",
            "prometheus-operator",
            "prom/prometheus",
        ],
        spellings: &[],
        configs: &["prometheus.y*ml"],
        dirs: &[],
    },
    Component {
        name: "alertmanager",
        ids: &["alertmanager", "prom/alertmanager"],
        spellings: &[],
        configs: &["alertmanager.y*ml"],
        dirs: &[],
    },
    Component {
        name: "jaeger",
        ids: &[
            "jaeger",
            "jaegertracing/all-in-one",
            "jaeger-all-in-one",
            "jaeger-collector",
            "jaeger-query",
            "jaeger-agent",
            "jaeger-operator",
        ],
        spellings: &["jaegertracing"],
        configs: &[
            "jaeger*.y*ml",
            "jaeger*.json",
            "jaeger*.toml",
            "jaeger*.ini",
            "jaeger*.conf",
        ],
        dirs: &[],
    },
    Component {
        name: "zipkin",
        ids: &["zipkin", "zipkin-slim"],
        spellings: &["openzipkin"],
        configs: &["zipkin*.y*ml"],
        dirs: &[],
    },
    Component {
        name: "tempo",
        ids: &["tempo", "tempo-distributed"],
        spellings: &["grafana-tempo"],
        configs: &["tempo*.y*ml"],
        dirs: &[],
    },
    Component {
        name: "opentelemetry-collector",
        ids: &[
            "opentelemetry-collector",
            "opentelemetry-collector-contrib",
            "opentelemetry-operator",
            "otel-collector",
            "otelcol",
            "otelcol-contrib",
        ],
        // A bare "OpenTelemetry"/"OTel" is the SDK (`deps.declared`); `name=otel` still works.
        spellings: &[
            "otel-collector",
            "otelcol",
            "opentelemetry-collector-contrib",
        ],
        configs: &[
            "otel-collector*.y*ml",
            "otelcol*.y*ml",
            "otel-config*.y*ml",
            "opentelemetry-collector*.y*ml",
        ],
        dirs: &[],
    },
    Component {
        name: "pgbouncer",
        ids: &["pgbouncer"],
        spellings: &[],
        configs: &["pgbouncer*.ini"],
        dirs: &[],
    },
    Component {
        name: "fluentd",
        ids: &["fluentd", "fluentd-kubernetes-daemonset"],
        spellings: &[],
        configs: &["fluent.conf", "fluentd*.conf"],
        dirs: &[],
    },
    Component {
        name: "fluent-bit",
        ids: &["fluent-bit"],
        spellings: &["fluentbit"],
        configs: &["fluent-bit*.conf", "fluent-bit*.y*ml", "fluentbit*.conf"],
        dirs: &[],
    },
    Component {
        name: "vector",
        ids: &["vector", "timberio/vector"],
        spellings: &[],
        configs: &["vector.toml", "vector.y*ml"],
        dirs: &[],
    },
    Component {
        name: "elasticsearch",
        ids: &["elasticsearch", "eck-elasticsearch"],
        spellings: &["elastic"],
        configs: &["elasticsearch.y*ml"],
        dirs: &[],
    },
    Component {
        name: "logstash",
        ids: &["logstash"],
        spellings: &[],
        configs: &["logstash*.y*ml", "logstash*.conf"],
        dirs: &[],
    },
    Component {
        name: "kibana",
        ids: &["kibana", "eck-kibana"],
        spellings: &[],
        configs: &["kibana.y*ml"],
        dirs: &[],
    },
    Component {
        name: "redis",
        ids: &["redis", "redis-stack", "redis-stack-server"],
        spellings: &[],
        configs: &["redis*.conf"],
        dirs: &[],
    },
    Component {
        name: "nginx",
        ids: &[
            "nginx",
            "nginx-unprivileged",
            "ingress-nginx",
            "nginx-ingress",
            "nginx-ingress-controller",
        ],
        spellings: &[],
        configs: &["nginx*.conf"],
        dirs: &["nginx/conf.d"],
    },
    Component {
        name: "traefik",
        ids: &["traefik"],
        spellings: &[],
        configs: &["traefik.y*ml", "traefik.toml"],
        dirs: &[],
    },
];

/// The known component a word (or a hyphen-joined pair) of an item names.
pub fn component_named(word: &str) -> Option<&'static Component> {
    COMPONENTS
        .iter()
        .find(|c| c.name == word || c.spellings.contains(&word))
}
