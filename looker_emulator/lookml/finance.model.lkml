connection: "sample_shop"
label: "Finance"

include: "orders.view.lkml"
include: "order_items.view.lkml"
include: "products.view.lkml"

explore: revenue {
  label: "Revenue"
  description: "Revenue by order, restricted to finance"
  view_name: order_items
  join: orders {
    type: left_outer
    sql_on: ${order_items.order_id} = ${orders.id} ;;
    relationship: many_to_one
  }
  join: products {
    type: left_outer
    sql_on: ${order_items.product_id} = ${products.id} ;;
    relationship: many_to_one
  }
}
