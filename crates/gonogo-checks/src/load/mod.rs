//! The load test (`load.run`) on gonogo-load's engine.

pub mod run;
