#include "op_table.hpp"

namespace gf::test {

const std::vector<OpRow>& op_table() {
  static const std::vector<OpRow> table = [] {
    std::vector<OpRow> rows;
    for (auto family :
         {elementwise_rows, reduce_rows, linalg_conv_rows, norm_pool_rows, shape_sort_rows, loss_dropout_optim_rows}) {
      std::vector<OpRow> more = family();
      rows.insert(rows.end(), more.begin(), more.end());
    }
    return rows;
  }();
  return table;
}

}  // namespace gf::test
