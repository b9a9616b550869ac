module tributary.dev/bench/loadgen

go 1.18
