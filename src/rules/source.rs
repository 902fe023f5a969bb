//! Turning a rule file into an expression, and reading line numbers back out of errors.

/// Wraps a rule file so that it evaluates to its function.
///
/// Auth0 rules are written as a bare `function (user, context, callback) { … }`, which as a
/// script would be a declaration (or, anonymous, a syntax error). Parenthesised it is an
/// expression. The opening parenthesis shares the first line and the closing one gets a
/// line of its own (so a trailing `// comment` cannot swallow it): line numbers in errors
/// stay those of the file.
pub(crate) fn wrap(source: &str) -> String {
    let body = source.trim_end_matches(|c: char| c.is_whitespace() || c == ';');
    let mut wrapped = String::with_capacity(body.len() + 3);
    wrapped.push('(');
    wrapped.push_str(body);
    wrapped.push_str("\n)");
    wrapped
}

/// Number of lines of a rule file, as an editor counts them.
pub(crate) fn line_count(source: &str) -> u32 {
    let body = source.trim_end_matches(|c: char| c.is_whitespace() || c == ';');
    u32::try_from(body.lines().count().max(1)).unwrap_or(u32::MAX)
}

/// Finds the line of the first stack frame in `file` (`… (file:line:column)` or
/// `at file:line:column`), as QuickJS writes `Error.prototype.stack`.
pub(crate) fn line_in_stack(stack: &str, file: &str) -> Option<u32> {
    if file.is_empty() {
        return None;
    }
    stack.lines().find_map(|frame| {
        frame.match_indices(file).find_map(|(at, _)| {
            // The name must be the whole file name, not the end of a longer one.
            let before = frame.get(..at)?.chars().next_back();
            if !before.is_some_and(|c| c == '(' || c.is_whitespace()) {
                return None;
            }
            let rest = frame.get(at + file.len()..)?.strip_prefix(':')?;
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            rest.get(..end)?.parse().ok()
        })
    })
}

/// Whether `function_text` (what the compiled function's `toString` gives) is the whole
/// rule file, apart from comments, whitespace and semicolons around it. It is not when the
/// file computes its function (`(function () { var cache = {}; return function … })()`).
pub(crate) fn is_whole_file(source: &str, function_text: &str) -> bool {
    if function_text.is_empty() {
        return false;
    }
    let Some(mut tail) = skip_comments(source).strip_prefix(function_text) else {
        return false;
    };
    loop {
        let next = skip_comments(tail).trim_start_matches(';');
        if next.len() == tail.len() {
            return tail.is_empty();
        }
        tail = next;
    }
}

/// `text` after any leading whitespace and comments.
fn skip_comments(mut text: &str) -> &str {
    loop {
        text = text.trim_start();
        if let Some(line) = text.strip_prefix("//") {
            text = line.split_once('\n').map_or("", |(_, next)| next);
        } else if let Some(block) = text.strip_prefix("/*") {
            match block.split_once("*/") {
                Some((_, next)) => text = next,
                None => return text,
            }
        } else {
            return text;
        }
    }
}

#[cfg(test)]
#[path = "source_tests.rs"]
mod tests;
