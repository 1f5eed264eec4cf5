connection: "sample_shop"
label: "Finance"

include: "orders.view.lkml"
include: "order_items.view.lkml"
include: "products.view.lkml"

# Finance reports on booked revenue: any change to the sum of sale prices (new items, refunds) refreshes it.
datagroup: revenue_datagroup {
  label: "Booked revenue"
  sql_trigger: SELECT ROUND(SUM(sale_price), 2) FROM order_items ;;
  max_cache_age: "12 hours"
}

persist_with: revenue_datagroup

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
