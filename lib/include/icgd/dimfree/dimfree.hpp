// icgd/dimfree/dimfree.hpp — the dimension-free block-matrix algebra (umbrella header).
//   normal_form.hpp  terms, words, 1×1 atoms, Laurent monomials; Poly (one block)
//   block.hpp        block matrices with exactly matching partitions
//   matrix.hpp       typed front end: shapes as types (shape errors are compile errors)
//   layers.hpp       the papers' layers and algorithms, written once
//   claims.hpp       the claims of docs/papers/*.md ("Claim definitions"), as constexpr constructions + runtime registry
//   print.hpp        normal forms as text (runtime)
// docs/dimension_free.md explains the algebra and what it cannot prove.
#pragma once

#include "icgd/dimfree/block.hpp"
#include "icgd/dimfree/claims.hpp"
#include "icgd/dimfree/layers.hpp"
#include "icgd/dimfree/matrix.hpp"
#include "icgd/dimfree/normal_form.hpp"
