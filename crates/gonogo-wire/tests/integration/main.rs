//! The caps on the wire against real servers: the PostgreSQL and Redis the tests find, and
//! hostile servers written here that announce a gigabyte, stream without end or trickle.

mod hostile;
mod postgres;
mod redis;
mod relay;
