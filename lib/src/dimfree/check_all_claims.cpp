// Runtime side of the dimension-free engine: evaluates the same claim constructions as the
// static_asserts in proofs/dimfree/ and reports their normal forms (for `icgd verify`).
#include <string>
#include <vector>

#include "icgd/dimfree/claims.hpp"
#include "icgd/dimfree/print.hpp"

namespace icgd::dimfree {

std::vector<ClaimCheck> check_all_claims() {
  std::vector<ClaimCheck> checks;
  checks.reserve(std::size(claim_registry));
  for (const ClaimEntry& entry : claim_registry) {
    const ClaimSides sides = entry.construct();
    ClaimCheck c;
    c.claim_id = std::string(entry.id);
    c.instance = std::string(entry.instance);
    c.negative_control = entry.negative_control;
    c.holds = sides.lhs == sides.rhs;
    c.lhs_normal_form = to_string(sides.lhs);
    c.rhs_normal_form = to_string(sides.rhs);
    if (!c.holds) c.first_difference = first_difference(sides.lhs, sides.rhs);
    checks.push_back(std::move(c));
  }
  return checks;
}

}  // namespace icgd::dimfree
