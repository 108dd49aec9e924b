import Testing

/// Every model test, one at a time: training is seconds of computation on the cooperative pool (one thread per
/// core), and two trainings at once would leave no thread for the rest of the suite's I/O, timers and child
/// processes on a 2-core machine.
@Suite(.serialized) enum ModelsSuite {}
