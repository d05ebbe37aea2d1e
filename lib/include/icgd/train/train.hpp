// icgd/train/train.hpp — the whole training engine (see docs/training.md).
#pragma once

#include "icgd/train/baselines.hpp"
#include "icgd/train/construct.hpp"
#include "icgd/train/layers.hpp"
#include "icgd/train/metrics.hpp"
#include "icgd/train/model.hpp"
#include "icgd/train/npy.hpp"
#include "icgd/train/optim.hpp"
#include "icgd/train/oracle.hpp"
#include "icgd/train/parallel.hpp"
#include "icgd/train/params.hpp"
#include "icgd/train/rng.hpp"
#include "icgd/train/tasks.hpp"
#include "icgd/train/tokens.hpp"
#include "icgd/train/trainer.hpp"
