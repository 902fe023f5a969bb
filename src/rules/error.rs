//! The rules engine's two error types: loading rules, and running them for a request.

/// Rules that cannot be loaded (at start, or by `check-config`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// A rule file does not parse, or evaluating it failed.
    #[error("{rule}:{}: {message}", line.map_or_else(|| "?".to_owned(), |l| l.to_string()))]
    Syntax {
        /// The rule's name: its configured path (e.g. `rules/extra.js`), printed as is.
        rule: String,
        /// The line in the rule file, when the engine reports one.
        line: Option<u32>,
        /// What the parser said.
        message: String,
    },
    /// A rule file evaluates to something other than a function.
    #[error("{rule}: the file must hold one `function (user, context, callback) {{ … }}`")]
    NotAFunction {
        /// The rule's file name.
        rule: String,
    },
    /// The JavaScript engine itself could not be started.
    #[error("the rules engine could not start: {0}")]
    Engine(String),
}

/// Why the rules did not let a request through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleFailure {
    /// A rule called back with an error (`UnauthorizedError` or any other): the request is
    /// refused with the rule's message (HTTP 403 `unauthorized`).
    #[error("rule {rule} refused the request: {message}")]
    Unauthorized {
        /// The rule's file name.
        rule: String,
        /// The error's `message` (or the value passed, as text).
        message: String,
    },
    /// A rule threw, timed out, ran out of memory or called back with something unusable
    /// (HTTP 500; the reason is for the log, not for the client).
    #[error("rule {rule} failed: {reason}")]
    Failed {
        /// The rule's file name.
        rule: String,
        /// What went wrong, e.g. `threw: TypeError: … (line 3)` or `timed out after 1000 ms`.
        reason: String,
    },
    /// Every worker is busy and the queue of waiting requests is full, or the engine is gone.
    #[error("the rules engine is busy")]
    Busy,
}

impl RuleFailure {
    /// The rule concerned, or `-` when the engine was busy.
    pub fn rule(&self) -> &str {
        match self {
            Self::Unauthorized { rule, .. } | Self::Failed { rule, .. } => rule,
            Self::Busy => "-",
        }
    }

    /// A fixed word for metrics: `unauthorized`, `timeout`, `memory`, `stuck`, `error` or
    /// `busy`, read from the reasons the engine itself writes.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unauthorized { .. } => "unauthorized",
            Self::Busy => "busy",
            Self::Failed { reason, .. } if reason.starts_with("timed out after") => "timeout",
            Self::Failed { reason, .. } if reason == "exceeded the memory limit" => "memory",
            Self::Failed { reason, .. } if reason == super::pool::STUCK => "stuck",
            Self::Failed { .. } => "error",
        }
    }
}
