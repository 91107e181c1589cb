//! The detection `condition` grammar (Sigma rules specification v2.0.0,
//! "Condition"): `and`, `or`, `not`, parentheses, `1 of` / `any of` /
//! `all of` a pattern or `them`. Precedence from least to most binding:
//! `or`, `and`, `not`, `x of`, parentheses.

use super::error::RuleErrorKind;

/// Deepest nesting of parentheses and `not`: a bound on recursion for
/// hostile conditions.
const MAX_DEPTH: usize = 64;

/// A compiled condition over the search identifiers (by index).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cond {
    Sel(usize),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

#[derive(Debug)]
pub(crate) struct CondError {
    pub(crate) kind: RuleErrorKind,
    pub(crate) message: String,
}

fn invalid(message: impl Into<String>) -> CondError {
    CondError { kind: RuleErrorKind::Invalid, message: message.into() }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok<'a> {
    Open,
    Close,
    Word(&'a str),
}

/// Parses `text` against the identifiers `names` (in definition order).
pub(crate) fn parse(text: &str, names: &[String]) -> Result<Cond, CondError> {
    if text.contains('|') {
        return Err(CondError {
            kind: RuleErrorKind::Unsupported,
            message: "aggregations (`| count() …`) are Sigma v1 and not supported; write a correlation rule".into(),
        });
    }
    let mut tokens = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        let Some(c) = rest.chars().next() else { break };
        match c {
            '(' => {
                tokens.push(Tok::Open);
                rest = &rest[1..];
            }
            ')' => {
                tokens.push(Tok::Close);
                rest = &rest[1..];
            }
            _ => {
                let end = rest.find(|c: char| c.is_whitespace() || c == '(' || c == ')').unwrap_or(rest.len());
                tokens.push(Tok::Word(&rest[..end]));
                rest = &rest[end..];
            }
        }
    }
    if tokens.is_empty() {
        return Err(invalid("empty"));
    }
    let mut p = Parser { tokens, pos: 0, names, depth: 0 };
    let cond = p.or()?;
    match p.tokens.get(p.pos) {
        None => Ok(cond),
        Some(t) => Err(invalid(format!("unexpected {}", describe(t)))),
    }
}

fn describe(t: &Tok<'_>) -> String {
    match t {
        Tok::Open => "`(`".into(),
        Tok::Close => "`)`".into(),
        Tok::Word(w) => format!("`{w}`"),
    }
}

fn keyword(t: Option<Tok<'_>>, k: &str) -> bool {
    matches!(t, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(k))
}

struct Parser<'a, 'n> {
    tokens: Vec<Tok<'a>>,
    pos: usize,
    names: &'n [String],
    depth: usize,
}

impl<'a> Parser<'a, '_> {
    fn peek(&self) -> Option<Tok<'a>> {
        self.tokens.get(self.pos).copied()
    }

    fn or(&mut self) -> Result<Cond, CondError> {
        let mut items = vec![self.and()?];
        while keyword(self.peek(), "or") {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Cond::Or(items) })
    }

    fn and(&mut self) -> Result<Cond, CondError> {
        let mut items = vec![self.not()?];
        while keyword(self.peek(), "and") {
            self.pos += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Cond::And(items) })
    }

    fn not(&mut self) -> Result<Cond, CondError> {
        if keyword(self.peek(), "not") {
            self.pos += 1;
            self.enter()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Cond::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn enter(&mut self) -> Result<(), CondError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(invalid(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn primary(&mut self) -> Result<Cond, CondError> {
        let Some(tok) = self.peek() else {
            return Err(invalid("ends where an identifier, `not`, `(` or `1 of`/`all of` is expected"));
        };
        self.pos += 1;
        match tok {
            Tok::Open => {
                self.enter()?;
                let inner = self.or()?;
                self.depth -= 1;
                match self.peek() {
                    Some(Tok::Close) => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    Some(t) => Err(invalid(format!("expected `)`, found {}", describe(&t)))),
                    None => Err(invalid("missing `)`")),
                }
            }
            Tok::Close => Err(invalid("unexpected `)`")),
            Tok::Word(w) => {
                let lower = w.to_ascii_lowercase();
                if keyword(self.peek(), "of") {
                    self.pos += 1;
                    let all = match lower.as_str() {
                        "1" | "any" => false,
                        "all" => true,
                        _ => {
                            return Err(CondError {
                                kind: RuleErrorKind::Unsupported,
                                message: format!("`{w} of` is not supported; use `1 of` or `all of`"),
                            })
                        }
                    };
                    return self.quantified(all);
                }
                if matches!(lower.as_str(), "and" | "or" | "not" | "of" | "them" | "near") {
                    return Err(invalid(format!("unexpected `{w}`")));
                }
                match self.names.iter().position(|n| n == w) {
                    Some(i) => Ok(Cond::Sel(i)),
                    None => Err(invalid(format!("`{w}` is not a search identifier of this rule"))),
                }
            }
        }
    }

    fn quantified(&mut self, all: bool) -> Result<Cond, CondError> {
        let target = match self.peek() {
            Some(Tok::Word(w)) => w,
            _ => return Err(invalid("`of` must be followed by `them` or an identifier pattern")),
        };
        self.pos += 1;
        let picked: Vec<Cond> = if target.eq_ignore_ascii_case("them") {
            // Sigma: `them` leaves out identifiers starting with an underscore.
            self.names.iter().enumerate().filter(|(_, n)| !n.starts_with('_')).map(|(i, _)| Cond::Sel(i)).collect()
        } else {
            self.names.iter().enumerate().filter(|(_, n)| glob(target, n)).map(|(i, _)| Cond::Sel(i)).collect()
        };
        match picked.len() {
            0 => Err(invalid(format!("`{target}` matches no search identifier"))),
            1 => Ok(picked.into_iter().next().unwrap_or(Cond::Sel(0))),
            _ if all => Ok(Cond::And(picked)),
            _ => Ok(Cond::Or(picked)),
        }
    }
}

/// Identifier patterns: `*` matches any run of characters, anything else itself.
fn glob(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == name;
    };
    let Some(mut rest) = name.strip_prefix(first) else { return false };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["a", "b", "c", "sel_1", "sel_2", "_hidden"].iter().map(|s| s.to_string()).collect()
    }

    fn p(s: &str) -> Cond {
        parse(s, &names()).unwrap_or_else(|e| panic!("{s}: {}", e.message))
    }

    #[test]
    fn precedence() {
        use Cond::*;
        assert_eq!(p("a or b and c"), Or(vec![Sel(0), And(vec![Sel(1), Sel(2)])]));
        assert_eq!(p("not a and b"), And(vec![Not(Box::new(Sel(0))), Sel(1)]));
        assert_eq!(p("(a or b) and c"), And(vec![Or(vec![Sel(0), Sel(1)]), Sel(2)]));
        assert_eq!(p("1 of sel_* and not a"), And(vec![Or(vec![Sel(3), Sel(4)]), Not(Box::new(Sel(0)))]));
        assert_eq!(p("all of them"), And((0..5).map(Sel).collect()));
        assert_eq!(p("1 of _h*"), Sel(5));
        assert_eq!(p("not not a"), Not(Box::new(Not(Box::new(Sel(0))))));
    }

    #[test]
    fn errors() {
        for bad in ["", "a and", "(a", "a)", "x", "2 of them", "1 of z*", "a | count() > 5", "a b", "and a"] {
            assert!(parse(bad, &names()).is_err(), "{bad}");
        }
        let deep = format!("{}a{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&deep, &names()).is_err());
        let nots = format!("{}a", "not ".repeat(100));
        assert!(parse(&nots, &names()).is_err());
    }

    #[test]
    fn identifier_patterns() {
        assert!(glob("sel*", "selection"));
        assert!(glob("*tion", "selection"));
        assert!(glob("s*l*n", "selection"));
        assert!(!glob("s*x", "selection"));
        assert!(glob("*", ""));
        assert!(!glob("ab*ba", "aba"));
    }
}
